import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHealthProbe } from '../../shared/validation/checks/http-health-probe';

/** Two real HTTP servers on 127.0.0.1 (two origins); each test scripts what they answer. */
let handle: (request: IncomingMessage, response: ServerResponse, origin: 'main' | 'other') => void;
const servers: Server[] = [];
let main: string;
let other: string;

async function listen(origin: 'main' | 'other'): Promise<string> {
  const server = createServer((request, response) => handle(request, response, origin));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  [main, other] = await Promise.all([listen('main'), listen('other')]);
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

const probe = new HttpHealthProbe();
const json = (response: ServerResponse, body: string) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
};

describe('the health probe, against hostile or broken endpoints', () => {
  it('follows a redirect within the same origin', async () => {
    handle = (request, response) => (request.url === '/health' ? (response.writeHead(302, { location: '/v2/health' }), response.end()) : json(response, '{"version":"1.3.0"}'));

    expect(await probe.probe({ url: `${main}/health`, timeoutMs: 5_000, versionField: 'version' })).toEqual({ url: `${main}/health`, status: 200, version: '1.3.0' });
  });

  it('does not follow a redirect to another origin: a login page answering 200 there is not health', async () => {
    handle = (request, response, origin) => (origin === 'main' ? (response.writeHead(302, { location: `${other}/login` }), response.end()) : json(response, '{"version":"1.3.0"}'));

    const observation = await probe.probe({ url: `${main}/health`, timeoutMs: 5_000 });

    expect(observation).toEqual({ url: `${main}/health`, error: `redirected (302) to another origin, ${other}: not followed (a login page there is not health)` });
  });

  it('follows no redirect at all when configured so', async () => {
    handle = (request, response) => (request.url === '/health' ? (response.writeHead(301, { location: '/elsewhere' }), response.end()) : json(response, '{}'));

    expect((await probe.probe({ url: `${main}/health`, timeoutMs: 5_000, followRedirects: 'none' })).error).toBe(`redirected (301) to ${main}/elsewhere: redirects are not followed`);
  });

  it('stops after five redirects', async () => {
    handle = (request, response) => (response.writeHead(302, { location: `/loop${request.url}` }), response.end());

    expect((await probe.probe({ url: `${main}/health`, timeoutMs: 5_000 })).error).toBe('more than 5 redirects');
  });

  it('refuses a body larger than 64 KB without reading it all (streamed, no length given)', async () => {
    let written = 0;
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      // Up to 150 MB if the reader kept going; the probe must stop after 64 KB.
      const pump = () => {
        while (written < 150 * 1024 * 1024 && response.write(chunk)) written += chunk.length;
        if (written < 150 * 1024 * 1024 && !response.destroyed) response.once('drain', pump);
      };
      response.on('close', () => (written = Number.MAX_SAFE_INTEGER));
      pump();
    };

    const observation = await probe.probe({ url: `${main}/big`, timeoutMs: 10_000, versionField: 'version' });

    expect(observation).toEqual({ url: `${main}/big`, error: 'the response is larger than 64 KB: not a health answer' });
  });

  it('refuses a body that declares more than 64 KB at once', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(400 * 1024 * 1024) });
      response.write('{');
    };

    expect((await probe.probe({ url: `${main}/huge`, timeoutMs: 5_000, versionField: 'version' })).error).toBe('the response is larger than 64 KB (419430400 bytes): not a health answer');
  });

  it('reports a server that drips its body past the deadline as a timeout, not as "not JSON"', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"vers');
      const drip = setInterval(() => (response.destroyed ? clearInterval(drip) : response.write(' ')), 50);
      response.on('close', () => clearInterval(drip));
    };

    expect(await probe.probe({ url: `${main}/drip`, timeoutMs: 300, versionField: 'version' })).toEqual({ url: `${main}/drip`, error: 'no complete answer within 300 ms' });
  });
});
