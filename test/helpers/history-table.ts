import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { dynamoHistory } from '../../shared/history/dynamo-history';
import { ensureHistoryTable } from '../../shared/history/history-table-setup';
import { LOCAL_START_DEADLINE_MS, localClientConfig as clientConfigFor } from '../../shared/local/dynamodb-local';
import { ManualClock } from '../../shared/time/clock';

/** Client settings for the DynamoDB Local the global setup started. */
export function localClientConfig() {
  return clientConfigFor(inject('dynamoDbLocalEndpoint'));
}

/** A fresh, uniquely named history table on DynamoDB Local, with its ports over it and a clock the test moves. */
export async function createTestHistory(options: { start?: string; pairPageSize?: number } = {}) {
  const tableName = `history-${randomUUID()}`;
  const config = localClientConfig();
  const rawClient = new DynamoDBClient(config);
  await ensureHistoryTable(rawClient, tableName);
  rawClient.destroy();
  const client = createDocumentClient(config);
  const clock = new ManualClock(options.start ?? '2026-11-01T12:00:00.000Z');
  const ports = dynamoHistory({ client, tableName, clock, pairPageSize: options.pairPageSize });
  return { tableName, client, clock, ports, ...ports };
}

/** A test that starts its own DynamoDB Local JVMs waits as long as their readiness deadlines allow (busy machines), plus a minute for the rest. */
export const JVM_STARTS_TIMEOUT_MS = (jvmStarts: number) => jvmStarts * LOCAL_START_DEADLINE_MS + 60_000;
