import { readFileSync } from 'node:fs';

/** Compiled into the bundle (esbuild define); read from package.json when run from a clone. */
declare const ROLLBACKCTL_VERSION: string | undefined;

export function rollbackctlVersion(): string {
  if (typeof ROLLBACKCTL_VERSION === 'string') return ROLLBACKCTL_VERSION;
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
