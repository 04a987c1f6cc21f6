import { ConfigError } from './config-errors';
import type { RollbackConfig } from './config-schema';

/**
 * Replaced at bundle time (esbuild `define`) with the configuration the CDK app loaded and
 * validated, so a function runs on exactly the file the stack was built from. Tests set it as a global.
 */
declare const ROLLBACK_CONFIG: unknown;

/**
 * The configuration bundled into this function. It was validated (defaults applied) when the stack
 * was built, so the cold start does not parse it again: no schema library on the way to the first read.
 */
export function bundledConfig(): RollbackConfig {
  if (typeof ROLLBACK_CONFIG !== 'object' || ROLLBACK_CONFIG === null || !Array.isArray((ROLLBACK_CONFIG as { environments?: unknown }).environments)) {
    throw new ConfigError('no configuration was bundled into this function: build it with the CDK app (npm run synth)', []);
  }
  return ROLLBACK_CONFIG as RollbackConfig;
}
