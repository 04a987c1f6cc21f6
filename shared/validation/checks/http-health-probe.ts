import type { HealthObservation, HealthProbe } from './check-ports';

/** Reads a dotted path ("build.version") out of parsed JSON. */
export function readField(body: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), body);
}

/** HTTP GET with a per-request timeout; any 2xx passes, and the version field is read when asked. */
export class HttpHealthProbe implements HealthProbe {
  async probe(check: { url: string; timeoutMs: number; versionField?: string }): Promise<HealthObservation> {
    let response: Response;
    try {
      response = await fetch(check.url, { signal: AbortSignal.timeout(check.timeoutMs), headers: { accept: 'application/json' }, redirect: 'follow' });
    } catch (error) {
      const name = (error as Error).name;
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const why = name === 'TimeoutError' ? `no answer within ${check.timeoutMs} ms` : (cause ?? (error as Error).message);
      return { url: check.url, error: why };
    }
    if (!check.versionField) {
      await response.body?.cancel();
      return { url: check.url, status: response.status };
    }
    try {
      const version = readField(await response.json(), check.versionField);
      return { url: check.url, status: response.status, ...(version === undefined ? { error: `no "${check.versionField}" in the response` } : { version: String(version) }) };
    } catch {
      return { url: check.url, status: response.status, error: 'the response is not JSON' };
    }
  }
}
