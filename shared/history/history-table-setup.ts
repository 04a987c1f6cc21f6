import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { HISTORY_KEY_ATTRIBUTES, HISTORY_TABLE } from './table-schema';

/** CreateTable input derived from the one table schema (the CDK stack derives its table from it too). */
export function historyTableDefinition(tableName: string): CreateTableCommandInput {
  const index = (definition: { indexName: string; partitionKey: string; sortKey: string }) => ({
    IndexName: definition.indexName,
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: HISTORY_KEY_ATTRIBUTES.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [{ AttributeName: HISTORY_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [index(HISTORY_TABLE.byEnvironment), index(HISTORY_TABLE.rollbacksByEnvironment), index(HISTORY_TABLE.reconcileQueue)],
  };
}

/** Creates the history table if it is missing (local DynamoDB only; in AWS the stack owns it). */
export async function ensureHistoryTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'existed'> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    checkIndexes(tableName, new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '')));
    return 'existed';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(new CreateTableCommand(historyTableDefinition(tableName)));
  } catch (error) {
    if (error instanceof ResourceInUseException) return 'existed';
    throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: HISTORY_TABLE.timeToLiveAttribute, Enabled: true },
    }),
  );
  return 'created';
}

/** A table missing an index this release queries (one made by an earlier release) is refused by name, never half used. */
function checkIndexes(tableName: string, present: ReadonlySet<string>): void {
  const missing = (historyTableDefinition(tableName).GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!).filter((name) => !present.has(name));
  if (missing.length > 0) throw new Error(`table ${tableName} has no index ${missing.join(', ')}: it was made by an earlier release (a local history: \`rollbackctl local reset\`, or name another table)`);
}
