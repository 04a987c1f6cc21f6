import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbLocalError, localClientConfig, startDynamoDbLocal, stopProcess, waitUntilAnswering } from '../../shared/local/dynamodb-local';
import { JVM_STARTS_TIMEOUT_MS } from '../helpers/history-table';
import { temporaryFolder } from '../helpers/temporary-folder';

describe('DynamoDB Local', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('says what to install when Java is missing, instead of a bare ENOENT', async () => {
    vi.stubEnv('PATH', temporaryFolder('no-java'));

    const failure = startDynamoDbLocal().catch((error: unknown) => error);

    await expect(failure).resolves.toBeInstanceOf(DynamoDbLocalError);
    await expect(failure).resolves.toMatchObject({ message: expect.stringContaining('DynamoDB Local needs Java (17 or newer) and "java" is not on the PATH') });
  });

  it('keeps data in its folder across restarts', async () => {
    const folder = temporaryFolder('ddb-data');
    const { CreateTableCommand, DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
    const first = await startDynamoDbLocal({ dataDirectory: folder });
    const client = new DynamoDBClient(first.clientConfig);
    await client.send(new CreateTableCommand({ TableName: 'kept', BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }] }));
    client.destroy();
    await first.stop();

    const second = await startDynamoDbLocal({ dataDirectory: folder });
    const reader = new DynamoDBClient(second.clientConfig);
    const { TableNames } = await reader.send(new ListTablesCommand({}));
    reader.destroy();
    await second.stop();

    expect(TableNames).toEqual(['kept']);
  }, JVM_STARTS_TIMEOUT_MS(2));

  describe('a JVM that accepts connections and never answers', () => {
    /** A loopback server that takes every connection and says nothing: a hung DynamoDB Local. */
    const silentEndpoint = async () => {
      const sockets: Socket[] = [];
      const server = createServer((socket) => sockets.push(socket));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as { port: number };
      return { endpoint: `http://127.0.0.1:${port}`, close: () => (sockets.forEach((socket) => socket.destroy()), server.close()) };
    };

    it('fails a local request after its timeout instead of waiting forever', async () => {
      const silent = await silentEndpoint();
      const client = new DynamoDBClient({ ...localClientConfig(silent.endpoint, 300), maxAttempts: 1 });

      const failure = await client.send(new ListTablesCommand({})).catch((error: unknown) => error);

      client.destroy();
      silent.close();
      expect(failure).toMatchObject({ name: 'TimeoutError', message: expect.stringContaining('300 ms') });
    });

    it('gives up waiting for it to start at the deadline, naming the last attempt', async () => {
      const silent = await silentEndpoint();

      const failure = await waitUntilAnswering(localClientConfig(silent.endpoint, 200), 500).catch((error: unknown) => error);

      silent.close();
      expect(failure).toBeInstanceOf(DynamoDbLocalError);
      expect(failure).toMatchObject({ message: expect.stringMatching(/^DynamoDB Local did not answer within 500 ms \(last attempt: .*200 ms/) });
    });
  });

  it('kills a process that does not exit when asked to stop', async () => {
    const stubborn = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => undefined); console.log('ready'); setInterval(() => undefined, 1000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(stubborn.stdout, 'data'); // its SIGTERM handler is installed

    await stopProcess(stubborn, 300);

    expect(stubborn.signalCode).toBe('SIGKILL');
  });
});
