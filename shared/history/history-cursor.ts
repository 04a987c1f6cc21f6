import { InvalidCursorError } from './history-errors';

type ExclusiveStartKey = Record<string, string>;

/** Opaque page cursor: the Query's LastEvaluatedKey, bound to the environment it pages through. */
export function encodeCursor(environment: string, lastEvaluatedKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ environment, key: lastEvaluatedKey }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, environment: string): ExclusiveStartKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('it is not a cursor this tool produced');
  }
  if (typeof decoded !== 'object' || decoded === null) throw new InvalidCursorError('it is not a cursor this tool produced');
  const { environment: cursorEnvironment, key } = decoded as { environment?: unknown; key?: unknown };
  if (cursorEnvironment !== environment) {
    throw new InvalidCursorError(`it pages environment "${String(cursorEnvironment)}", not "${environment}"`);
  }
  if (typeof key !== 'object' || key === null || !Object.values(key).every((value) => typeof value === 'string')) {
    throw new InvalidCursorError('its key is malformed');
  }
  return key as ExclusiveStartKey;
}
