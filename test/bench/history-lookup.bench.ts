/**
 * History reads at scale on DynamoDB Local: the active/last-good lookup and a `history --limit 20`
 * page must cost the same at 1k and 10k deployments (they are Queries, not Scans).
 * Run: npm run bench
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { DynamoHistoryStore } from '../../shared/history/dynamo-history-store';
import { ensureHistoryTable } from '../../shared/history/history-table-setup';
import { startDynamoDbLocal } from '../../shared/local/dynamodb-local';
import { systemClock } from '../../shared/time/clock';
import { measure, printTable, type Measurement } from './bench-harness';

const SIZES = [1_000, 10_000];

async function seedProduction(client: ReturnType<typeof createDocumentClient>, tableName: string, count: number): Promise<void> {
  const start = Date.parse('2025-01-01T00:00:00.000Z');
  const writes: Promise<unknown>[] = [];
  for (let offset = 0; offset < count; offset += 25) {
    const batch = Array.from({ length: Math.min(25, count - offset) }, (_, step) => {
      const index = offset + step;
      const at = new Date(start + index * 60_000).toISOString();
      const Item: DeploymentRecord = {
        deploymentId: `bench-${index}`,
        kind: 'deployment',
        environment: 'production',
        version: `1.0.${index}`,
        status: index % 7 === 3 ? 'failed' : 'succeeded',
        startedAt: at,
        finishedAt: at,
        updatedAt: at,
        source: 'bench',
      };
      return { PutRequest: { Item } };
    });
    writes.push(client.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } })));
    if (writes.length >= 8) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

const dynamoDbLocal = await startDynamoDbLocal();
try {
  const rows: Measurement[] = [];
  for (const size of SIZES) {
    const tableName = `bench-${randomUUID()}`;
    const raw = new DynamoDBClient(dynamoDbLocal.clientConfig);
    await ensureHistoryTable(raw, tableName);
    raw.destroy();
    const client = createDocumentClient(dynamoDbLocal.clientConfig);
    await seedProduction(client, tableName, size);
    const store = new DynamoHistoryStore({ client, tableName, clock: systemClock });
    rows.push(await measure(`active + last known good @ ${size}`, 200, () => store.findRollbackPair('production')));
    rows.push(await measure(`history --limit 20 @ ${size}`, 200, () => store.listHistory({ environment: 'production', limit: 20 })));
    client.destroy();
  }
  printTable('History reads on DynamoDB Local (sequential calls)', rows);
  const at = (name: string) => rows.find((row) => row.name === name)!.p50Ms;
  const ratio = at(`active + last known good @ ${SIZES.at(-1)}`) / at(`active + last known good @ ${SIZES[0]}`);
  console.log(`lookup p50 ratio ${SIZES.at(-1)} vs ${SIZES[0]} records: ${ratio.toFixed(2)} (a Scan would grow ~${SIZES.at(-1)! / SIZES[0]!}x)`);
} finally {
  await dynamoDbLocal.stop();
}
