import { readFileSync } from 'node:fs';
import { ConfigError } from './config-errors';
import type { RollbackConfig } from './config-schema';

/** Set as a global by tests; a deployed function reads the file its bundle ships with instead. */
declare const ROLLBACK_CONFIG: unknown;

/** The file the CDK app (and `npm run build`) writes beside each bundle: infra/function-bundling.ts. */
const SHIPPED_CONFIG = 'rollback-config.json';

let shipped: unknown;

function readShipped(): unknown {
  try {
    return JSON.parse(readFileSync(new URL(`./${SHIPPED_CONFIG}`, import.meta.url), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The configuration this function was built with: the CDK app loaded and validated it (defaults
 * applied) and shipped it beside the bundle, so a function runs on exactly the file the stack was
 * built from and the cold start does not parse it against the schema again (one small JSON read).
 */
export function bundledConfig(): RollbackConfig {
  const found = typeof ROLLBACK_CONFIG !== 'undefined' ? ROLLBACK_CONFIG : (shipped ??= readShipped());
  if (typeof found !== 'object' || found === null || !Array.isArray((found as { environments?: unknown }).environments)) {
    throw new ConfigError(`no configuration was shipped with this function (${SHIPPED_CONFIG} beside its bundle): build it with the CDK app (npm run synth)`, []);
  }
  return found as RollbackConfig;
}
