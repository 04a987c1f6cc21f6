import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbLocalError, startDynamoDbLocal } from '../../shared/local/dynamodb-local';
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
  });
});
