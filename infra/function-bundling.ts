import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/**
 * How every controller function is bundled — one definition, used by the CDK construct and by the
 * cold-start benchmark, so what is measured is what is deployed.
 * ESM: the runtime loads it natively and esbuild tree-shakes it; the banner gives CommonJS
 * dependencies the `require` they expect. The AWS SDK v3 stays external: the runtime ships it.
 */
export const FUNCTION_BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  external: ['@aws-sdk/*'],
} as const;

/** The validated configuration ships beside each bundle under this name (read once at init). */
export const BUNDLED_CONFIG_FILE = 'rollback-config.json';

/**
 * The validated configuration as the file a bundle ships with, written once per content to a
 * temporary folder: a file, not an esbuild `--define`, so 1,000 environments never meet the
 * command line's length limit (E2BIG past ~300 environments as a define).
 */
export function configFileFor(config: unknown): string {
  const text = JSON.stringify(config);
  const folder = join(tmpdir(), 'rollback-controller-config', createHash('sha256').update(text).digest('hex').slice(0, 16));
  mkdirSync(folder, { recursive: true });
  const file = join(folder, BUNDLED_CONFIG_FILE);
  writeFileSync(file, text);
  return file;
}

/** Bundles one handler (or any entry) with FUNCTION_BUNDLING, outside CDK: `npm run build` and the benchmarks. */
export async function bundleFunction(options: { entry: string; outfile: string; config: unknown; sourcemap?: boolean; external?: string[] }): Promise<void> {
  await build({
    ...FUNCTION_BUNDLING,
    banner: { js: FUNCTION_BUNDLING.banner },
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    external: options.external ?? [...FUNCTION_BUNDLING.external],
    sourcemap: options.sourcemap ?? FUNCTION_BUNDLING.sourcemap,
    entryPoints: [options.entry],
    bundle: true,
    outfile: options.outfile,
    logLevel: 'warning',
  });
  writeFileSync(join(dirname(options.outfile), BUNDLED_CONFIG_FILE), JSON.stringify(options.config));
}
