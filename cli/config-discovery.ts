import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_FILE_NAME, ConfigError, loadConfig, parseConfig, type RollbackConfig } from '../shared/config';
import demoConfig from '../rollback.config.json' with { type: 'json' };

export type ConfigSource = { path: string; from: '--config' | 'ROLLBACK_CONFIG' | 'search' } | { from: 'built-in demo' };

/** rollback.config.json in this folder or the nearest parent that has one. */
function nearestConfigFile(cwd: string): string | undefined {
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    const candidate = join(folder, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (dirname(folder) === folder) return undefined;
  }
}

/**
 * Where the configuration comes from, as users expect: --config, then $ROLLBACK_CONFIG, then
 * rollback.config.json in the current folder or any parent; with --local and none of those, the
 * built-in demo (so `rollbackctl drill --local` works in an empty folder). Pure but for the file system.
 */
export function findConfig(options: { config?: string; local?: boolean }, env: NodeJS.ProcessEnv, cwd: string): ConfigSource {
  if (options.config) return { path: resolve(cwd, options.config), from: '--config' };
  if (env.ROLLBACK_CONFIG) return { path: resolve(cwd, env.ROLLBACK_CONFIG), from: 'ROLLBACK_CONFIG' };
  const found = nearestConfigFile(cwd);
  if (found) return { path: found, from: 'search' };
  if (options.local) return { from: 'built-in demo' };
  throw new ConfigError(
    `no ${CONFIG_FILE_NAME} in ${resolve(cwd)} or any folder above it: pass --config PATH, set ROLLBACK_CONFIG, or use --local for the built-in demo`,
    [],
  );
}

/** "rollback.config.json (/path, found from this folder)" or "the built-in demo (no rollback.config.json in /cwd or above)": which configuration a command uses. Pure. */
export function describeConfigSource(source: ConfigSource, cwd: string): string {
  if (source.from === 'built-in demo') return `the built-in demo (no ${CONFIG_FILE_NAME} in ${resolve(cwd)} or above; --config PATH to use one)`;
  return `${source.path} (${source.from === 'search' ? 'the nearest in this folder or above' : `from ${source.from}`})`;
}

export function loadConfigFrom(source: ConfigSource): RollbackConfig {
  return source.from === 'built-in demo' ? parseConfig(demoConfig, 'the built-in demo configuration') : loadConfig(source.path);
}
