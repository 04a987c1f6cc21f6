import { probeUrlProblem, withoutCredentials } from './probe-url';
import type { HealthCheckRequest, HealthObservation, HealthProbe } from './check-ports';

/** A health answer is small; anything larger is not one (and must not exhaust the validator's memory). */
export const MAX_HEALTH_BODY_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;

/** Reads a dotted path ("build.version") out of parsed JSON. */
export function readField(body: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), body);
}

class ProbeFailure extends Error {}

/**
 * HTTP GET within one deadline for the whole exchange (a server that drips its body times out as a
 * timeout); redirects followed only within the same origin (configurable); at most 64 KB read; any
 * 2xx passes, and the version field is read when asked.
 */
export class HttpHealthProbe implements HealthProbe {
  async probe(check: HealthCheckRequest): Promise<HealthObservation> {
    // The configuration refuses these; a caller that skipped it still never reaches the metadata service or shows a password.
    const problem = probeUrlProblem(check.url);
    if (problem) return { url: withoutCredentials(check.url), error: `not probed: the URL ${problem}` };
    const signal = AbortSignal.timeout(check.timeoutMs);
    try {
      const response = await this.#fetchFollowing(check, signal);
      if (!check.versionField) {
        await response.body?.cancel();
        return { url: check.url, status: response.status };
      }
      const text = await readCapped(response);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { url: check.url, status: response.status, error: 'the response is not JSON' };
      }
      const version = readField(body, check.versionField);
      return { url: check.url, status: response.status, ...(version === undefined ? { error: `no "${check.versionField}" in the response` } : { version: String(version) }) };
    } catch (error) {
      if (error instanceof ProbeFailure) return { url: check.url, error: error.message };
      const name = (error as Error).name;
      if (name === 'TimeoutError' || (name === 'AbortError' && signal.aborted)) return { url: check.url, error: `no complete answer within ${check.timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { url: check.url, error: cause ?? withoutCredentials((error as Error).message) };
    }
  }

  async #fetchFollowing(check: HealthCheckRequest, signal: AbortSignal): Promise<Response> {
    let url = new URL(check.url);
    for (let hop = 0; ; hop += 1) {
      const response = await fetch(url, { signal, headers: { accept: 'application/json' }, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel();
      const next = new URL(location, url);
      if (check.followRedirects === 'none') throw new ProbeFailure(`redirected (${response.status}) to ${next.origin}${next.pathname}: redirects are not followed`);
      if (next.origin !== url.origin) throw new ProbeFailure(`redirected (${response.status}) to another origin, ${next.origin}: not followed (a login page there is not health)`);
      if (hop + 1 >= MAX_REDIRECTS) throw new ProbeFailure(`more than ${MAX_REDIRECTS} redirects`);
      url = next;
    }
  }
}

/** The body as text, refusing more than MAX_HEALTH_BODY_BYTES without reading the rest. */
async function readCapped(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_HEALTH_BODY_BYTES) {
    await response.body?.cancel();
    throw new ProbeFailure(`the response is larger than ${MAX_HEALTH_BODY_BYTES / 1024} KB (${declared} bytes): not a health answer`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_HEALTH_BODY_BYTES) {
      await reader.cancel();
      throw new ProbeFailure(`the response is larger than ${MAX_HEALTH_BODY_BYTES / 1024} KB: not a health answer`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
