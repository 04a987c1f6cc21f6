import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, SourceData } from '@smithy/types';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { UsageError } from '../cli-errors';

/** The stack output that holds the orchestrator's request URL (IAM auth). */
export const REQUEST_URL_OUTPUT = 'RequestUrl';
/** The managed policy a role attaches to ask through it. */
export const REQUESTER_POLICY_OUTPUT = 'RequesterPolicyArn';

export class OrchestratorInvocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrchestratorInvocationError';
  }
}

export interface RequestUrlLocation {
  url?: string;
  stack: string;
  region?: string;
}

/** --url, else ROLLBACK_REQUEST_URL, else the stack's output; a missing stack says which and where. */
export async function resolveRequestUrl(location: RequestUrlLocation, env: NodeJS.ProcessEnv): Promise<string> {
  const given = location.url ?? env.ROLLBACK_REQUEST_URL;
  if (given) return checkRequestUrl(given);
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cloudFormation = new CloudFormationClient(location.region ? { region: location.region } : {});
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: location.stack }));
    const output = Stacks?.[0]?.Outputs?.find((candidate) => candidate.OutputKey === REQUEST_URL_OUTPUT)?.OutputValue;
    if (!output) throw new UsageError(`stack ${location.stack} has no ${REQUEST_URL_OUTPUT} output: deploy the current stack, or pass --url`);
    return checkRequestUrl(output);
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      throw new UsageError(`stack ${location.stack} not found${location.region ? ` in ${location.region}` : ''}: deploy it (npx cdk deploy), pass --stack NAME, or pass --url URL`);
    }
    throw error;
  } finally {
    cloudFormation.destroy();
  }
}

/** https, or http on this machine only (a test's stand-in): credentials are never signed for a stranger in clear. Pure. */
export function checkRequestUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid request URL "${text}": give the stack's ${REQUEST_URL_OUTPUT} output (https://<id>.lambda-url.<region>.on.aws/)`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new UsageError(`invalid request URL "${text}": it must be https`);
  if (url.username || url.password) throw new UsageError('invalid request URL: it must not hold credentials');
  return url.toString();
}

/** "eu-west-1" of https://<id>.lambda-url.eu-west-1.on.aws/. Pure. */
export function regionOfRequestUrl(url: string): string | undefined {
  return /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(new URL(url).hostname)?.[1];
}

/** SHA-256 (and its HMAC) for SigV4, from node:crypto. */
export class Sha256 {
  readonly #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

function bytes(data: SourceData): Buffer | string {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** The rollback may validate for 15 minutes before it answers: wait as long as the orchestrator may run, and a margin. */
const ANSWER_TIMEOUT_MS = 16 * 60_000;
/** A connection that drops is retried with the same request (its id makes it safe): a copy answers in flight, or with the outcome. */
const CONNECTION_ATTEMPTS = 3;
const CONNECTION_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

export interface SignedRequestOptions {
  region?: string;
  /** Default: the SDK's chain (environment, profile, SSO, instance role). */
  credentials?: AwsCredentialIdentityProvider;
  timeoutMs?: number;
}

/**
 * POSTs a request to the orchestrator's request URL, signed with SigV4 for Lambda, and reads its
 * answer. Lambda verifies the signature and hands the orchestrator the caller's ARN: who asks is
 * what the credentials say, not what the payload claims.
 */
export async function postRequest(url: string, payload: Record<string, unknown>, options: SignedRequestOptions = {}): Promise<RollbackRunResult> {
  const region = regionOfRequestUrl(url) ?? options.region;
  if (!region) throw new UsageError('no AWS region for the request URL: pass --region, or set AWS_REGION');
  const credentials = options.credentials ?? (await import('@aws-sdk/credential-provider-node')).defaultProvider();
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const signer = new SignatureV4({ service: 'lambda', region, credentials: credentials as () => Promise<AwsCredentialIdentity>, sha256: Sha256 });
  const target = new URL(url);
  const body = JSON.stringify(payload);
  for (let attempt = 1; ; attempt += 1) {
    const signed = await signer.sign({
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port ? { port: Number(target.port) } : {}),
      path: target.pathname,
      query: {},
      headers: { host: target.host, 'content-type': 'application/json', 'user-agent': 'rollbackctl' },
      body,
    });
    try {
      const answer = await send(target, signed.headers as Record<string, string>, body, options.timeoutMs ?? ANSWER_TIMEOUT_MS);
      return resultOf(answer, url);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt < CONNECTION_ATTEMPTS && code && CONNECTION_ERRORS.has(code)) continue;
      if (error instanceof OrchestratorInvocationError || error instanceof UsageError) throw error;
      throw new OrchestratorInvocationError(`the request URL ${target.origin} could not be reached: ${code ?? (error as Error).message}`);
    }
  }
}

function send(target: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method: 'POST', headers, timeout: timeoutMs }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 60_000)} minutes`), { code: 'ANSWER_TIMEOUT' })));
    request.on('error', reject);
    request.end(body);
  });
}

/** The run's answer (any status the orchestrator wrote it with), or what Lambda itself said. */
function resultOf(answer: { status: number; text: string }, url: string): RollbackRunResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    parsed = undefined;
  }
  if (typeof (parsed as RollbackRunResult | undefined)?.outcome === 'string') return parsed as RollbackRunResult;
  const said = answer.text.slice(0, 300);
  if (answer.status === 403) {
    throw new OrchestratorInvocationError(`the request URL refused these credentials (403: ${said}): attach the stack's ${REQUESTER_POLICY_OUTPUT} output to your role`);
  }
  throw new OrchestratorInvocationError(`the orchestrator at ${url} answered ${answer.status} with something that is not its result: ${said || '(empty)'}`);
}
