import { InvalidCursorError } from './history-errors';

type ExclusiveStartKey = Record<string, string>;

/** The history index's key, as a page ends on it: exactly these attributes, each a string. */
const CURSOR_KEY_ATTRIBUTES = ['deploymentId', 'environment', 'startedAt'] as const;
/** A cursor this tool writes is a few hundred characters; anything far past that is not one. */
export const MAX_CURSOR_LENGTH = 4096;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Opaque page cursor: the Query's LastEvaluatedKey, bound to the environment it pages through. */
export function encodeCursor(environment: string, lastEvaluatedKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ environment, key: lastEvaluatedKey }), 'utf8').toString('base64url');
}

/**
 * The key a cursor resumes from, checked whole before it reaches DynamoDB: a cursor that is not one
 * this tool wrote (truncated, edited, another environment's, a key of another shape) is refused by
 * name, never answered with DynamoDB's "starting key is invalid". Pure.
 */
export function decodeCursor(cursor: string, environment: string): ExclusiveStartKey {
  const notOurs = 'it is not a cursor this tool produced (copy the whole --cursor value from the last page)';
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError(notOurs);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(notOurs);
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw new InvalidCursorError(notOurs);
  const { environment: cursorEnvironment, key } = decoded as { environment?: unknown; key?: unknown };
  if (typeof cursorEnvironment !== 'string') throw new InvalidCursorError(notOurs);
  if (cursorEnvironment !== environment) {
    throw new InvalidCursorError(`it pages environment "${cursorEnvironment}", not "${environment}"`);
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new InvalidCursorError('its key is malformed');
  const attributes = Object.keys(key).sort();
  const values = key as Record<string, unknown>;
  if (
    attributes.join() !== [...CURSOR_KEY_ATTRIBUTES].sort().join() ||
    !CURSOR_KEY_ATTRIBUTES.every((name) => typeof values[name] === 'string' && values[name] !== '') ||
    values.environment !== environment ||
    !ISO_TIMESTAMP.test(values.startedAt as string)
  ) {
    throw new InvalidCursorError('its key is malformed');
  }
  return key as ExclusiveStartKey;
}
