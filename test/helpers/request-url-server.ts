import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../../cli/aws/request-url';

/** The credentials a test signs with (set in the environment for the CLI's default chain). */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

export interface ReceivedRequest {
  method: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The SigV4 signature checked against the test credentials, for service lambda in `region`. */
  signatureValid: boolean;
  /** "lambda" and the region from the credential scope. */
  scope: string;
}

/**
 * A stand-in for the orchestrator's function URL on 127.0.0.1: it checks each request's SigV4
 * signature as Lambda would (the same canonical request, the test credentials) and answers what the
 * test scripts, as the orchestrator does (status and JSON body).
 */
export async function startRequestUrlServer(region = 'eu-west-1') {
  const received: ReceivedRequest[] = [];
  let answer: (request: ReceivedRequest) => { status: number; body: string } = () => ({ status: 500, body: 'no answer scripted' });
  const signer = new SignatureV4({ service: 'lambda', region, credentials: TEST_CREDENTIALS, sha256: Sha256 });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const authorization = String(request.headers.authorization ?? '');
        const amzDate = String(request.headers['x-amz-date'] ?? '');
        const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
        const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name] ?? '')]));
        const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
        const expected = await signer.sign({ method: request.method!, protocol: 'http:', hostname: '127.0.0.1', path: request.url!, query: {}, headers, body: text }, { signingDate });
        const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
        const entry: ReceivedRequest = {
          method: request.method!,
          headers: request.headers,
          body: JSON.parse(text || '{}') as Record<string, unknown>,
          signatureValid: authorization !== '' && expected.headers.authorization === authorization,
          scope: scope ? `${scope[2]} ${scope[1]}` : '',
        };
        received.push(entry);
        const { status, body } = answer(entry);
        response.writeHead(status, { 'content-type': 'application/json' }).end(body);
      })();
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received,
    /** Every request from now on is answered so. */
    answerWith(next: (request: ReceivedRequest) => { status: number; body: string }) {
      answer = next;
    },
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}
