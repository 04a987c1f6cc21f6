import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError, UnknownEnvironmentError } from './config-errors';
import { rollbackConfigSchema, type EnvironmentConfig, type RollbackConfig } from './config-schema';

/** The file name looked for at the repository root (and bundled into the functions). */
export const CONFIG_FILE_NAME = 'rollback.config.json';

/** Renders a zod issue path the way a person would write it: environments[1].alarms.prefixes[0]. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    return text === '' ? String(segment) : `${text}.${String(segment)}`;
  }, '');
}

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
}

/** Validates already-parsed JSON (e.g. the copy bundled into a function) into a typed configuration. */
export function parseConfig(raw: unknown, source = CONFIG_FILE_NAME): RollbackConfig {
  const result = rollbackConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = describeIssues(result.error);
    throw new ConfigError(`invalid configuration in ${source}:\n  - ${problems.join('\n  - ')}`, problems);
  }
  // The schema checks each target with its plugin's own schema; the types say which fields it has.
  return result.data as RollbackConfig;
}

/** Reads, parses and validates a configuration file; every failure names the file and the field. */
export function loadConfig(path: string): RollbackConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`, [], { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`configuration file ${path} is not valid JSON: ${(error as Error).message}`, [], { cause: error });
  }
  return parseConfig(raw, path);
}

export function findEnvironment(config: RollbackConfig, name: string): EnvironmentConfig {
  const environment = config.environments.find((candidate) => candidate.name === name);
  if (!environment) throw new UnknownEnvironmentError(name, config.environments.map((candidate) => candidate.name));
  return environment;
}
