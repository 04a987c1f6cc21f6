/**
 * `npm run build`: bundles the three functions into dist/functions/<name>/index.mjs exactly as the
 * CDK app does (same esbuild options, the validated configuration compiled in) and prints their sizes.
 */
import { statSync } from 'node:fs';
import { CONFIG_FILE_NAME, loadConfig } from '../shared/config';
import { bundleFunction } from './function-bundling';

const config = loadConfig(process.env.ROLLBACK_CONFIG ?? CONFIG_FILE_NAME);
for (const name of ['orchestrator', 'validator', 'recorder']) {
  const outfile = `dist/functions/${name}/index.mjs`;
  await bundleFunction({ entry: `functions/${name}/handler.ts`, outfile, config });
  console.log(`${outfile}  ${Math.round(statSync(outfile).size / 1024)} KB`);
}
