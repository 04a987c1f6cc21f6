/**
 * EventBridge's matching of the pattern subset the stacks synthesize: a list of literals (any one
 * equals), `{ prefix }` in such a list, nested objects (each field must match), and `$or` (any
 * sub-pattern). A test can put a real event through the real rule pattern. Pure.
 */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as Record<string, unknown>[]).some((alternative) => matchesEventPattern(alternative, event));
    const actual = (event as Record<string, unknown>)[key];
    if (Array.isArray(expected)) {
      return expected.some((candidate) =>
        typeof candidate === 'object' && candidate !== null && 'prefix' in candidate ? typeof actual === 'string' && actual.startsWith(String((candidate as { prefix: unknown }).prefix)) : candidate === actual,
      );
    }
    return matchesEventPattern(expected as Record<string, unknown>, actual);
  });
}
