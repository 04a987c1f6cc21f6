import { ConfigError } from './config-errors';
import type { RollbackConfig } from './config-schema';
import { parseConfig } from './load-config';

/**
 * Replaced at bundle time (esbuild `define`) with the configuration the CDK app loaded, so a function
 * runs on exactly the file the stack was built from. Tests set it as a global.
 */
declare const ROLLBACK_CONFIG: unknown;

/** The configuration bundled into this function, validated once at cold start. */
export function bundledConfig(): RollbackConfig {
  if (typeof ROLLBACK_CONFIG === 'undefined') {
    throw new ConfigError('no configuration was bundled into this function: build it with the CDK app (npm run synth)', []);
  }
  return parseConfig(ROLLBACK_CONFIG, 'the bundled configuration');
}
