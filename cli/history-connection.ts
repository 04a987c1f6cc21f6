import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createDocumentClient } from '../shared/aws/dynamodb-clients';
import { dynamoHistory, type HistoryPorts } from '../shared/history/dynamo-history';
import { ensureHistoryTable } from '../shared/history/history-table-setup';
import { localClientConfig, startDynamoDbLocal } from '../shared/local/dynamodb-local';
import { systemClock, type Clock } from '../shared/time/clock';
import { UsageError } from './cli-errors';

/**
 * Where `--local` keeps its state (DynamoDB Local's data), so history survives between runs: one
 * place, whatever folder the command runs in. $ROLLBACKCTL_HOME, else the XDG state directory.
 */
export function localStateDirectory(env: NodeJS.ProcessEnv): string {
  return env.ROLLBACKCTL_HOME ?? join(env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state'), 'rollbackctl');
}
/**
 * Versioned with the record format and the table's indexes: a local history from an older release
 * (untyped journal steps; v3: the reconcile queue index) is left aside, not misread.
 */
export const LOCAL_TABLE_NAME = 'rollback-history-v3';

export interface ConnectionOptions {
  local?: boolean;
  table?: string;
  endpoint?: string;
  region?: string;
}

export interface HistoryConnection {
  history: HistoryPorts;
  /** The same table seen through another clock (the local drill runs on sandbox time). */
  historyWithClock(clock: Clock): HistoryPorts;
  /** Human-readable: which table, where. */
  description: string;
  /** A throwaway empty table beside this one (local drills); drop it when done. */
  createScratchTable(clock: Clock): Promise<{ history: HistoryPorts; drop(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * The history the command works on: `--local` starts DynamoDB Local on the project folder;
 * otherwise the AWS table from --table or ROLLBACK_TABLE (with --endpoint for any DynamoDB-compatible endpoint).
 */
export async function openHistory(options: ConnectionOptions, env: NodeJS.ProcessEnv, debug?: (line: string) => void): Promise<HistoryConnection> {
  if (options.local) {
    const stateDirectory = localStateDirectory(env);
    const starting = performance.now();
    const dynamoDbLocal = await startDynamoDbLocal({ dataDirectory: join(stateDirectory, 'dynamodb') });
    debug?.(`DynamoDB Local (JVM) answered after ${Math.round(performance.now() - starting)} ms`);
    try {
      return await connect(dynamoDbLocal.clientConfig, LOCAL_TABLE_NAME, `local table ${LOCAL_TABLE_NAME} (${stateDirectory})`, true, dynamoDbLocal.stop);
    } catch (error) {
      await dynamoDbLocal.stop();
      throw error;
    }
  }
  const tableName = options.table ?? env.ROLLBACK_TABLE;
  if (!tableName) {
    throw new UsageError('no history table: pass --table NAME, set ROLLBACK_TABLE, or use --local for the local drill history');
  }
  if (options.endpoint) {
    const isLoopback = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(options.endpoint);
    const clientConfig = isLoopback
      ? { ...localClientConfig(options.endpoint), ...(options.region ? { region: options.region } : {}) }
      : { endpoint: options.endpoint, ...(options.region ? { region: options.region } : {}) };
    return connect(clientConfig, tableName, `table ${tableName} at ${options.endpoint}`, false, async () => undefined);
  }
  return connect(options.region ? { region: options.region } : {}, tableName, `table ${tableName}`, false, async () => undefined);
}

async function connect(
  clientConfig: ConstructorParameters<typeof DynamoDBClient>[0] & object,
  tableName: string,
  description: string,
  createIfMissing: boolean,
  stopBackend: () => Promise<void>,
): Promise<HistoryConnection> {
  if (createIfMissing) {
    const setupClient = new DynamoDBClient(clientConfig);
    await ensureHistoryTable(setupClient, tableName);
    setupClient.destroy();
  }
  const client = createDocumentClient(clientConfig);
  const createScratchTable = async (clock: Clock) => {
    const scratchName = `${tableName}-scratch-${randomUUID().slice(0, 8)}`;
    const setupClient = new DynamoDBClient(clientConfig);
    await ensureHistoryTable(setupClient, scratchName);
    return {
      history: dynamoHistory({ client, tableName: scratchName, clock }),
      async drop() {
        await setupClient.send(new DeleteTableCommand({ TableName: scratchName }));
        setupClient.destroy();
      },
    };
  };
  return {
    createScratchTable,
    history: dynamoHistory({ client, tableName, clock: systemClock }),
    historyWithClock: (clock) => dynamoHistory({ client, tableName, clock }),
    description,
    async close() {
      client.destroy();
      await stopBackend();
    },
  };
}
