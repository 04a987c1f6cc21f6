import { ConfigError, parseConfig } from '../../shared/config';

/** The `path: reason` problems a configuration is refused with (none when it parses). */
export function problemsOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
