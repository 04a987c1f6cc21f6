import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createDocumentClient } from '../shared/aws/dynamodb-clients';
import { dynamoHistory, type HistoryPorts } from '../shared/history/dynamo-history';
import { ensureHistoryTable } from '../shared/history/history-table-setup';
import { localClientConfig, startDynamoDbLocal } from '../shared/local/dynamodb-local';
import { systemClock, type Clock } from '../shared/time/clock';
import { UsageError } from './cli-errors';
import { lockLocalHistory } from './local-lock';

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
/**
 * Local drills run here, never on LOCAL_TABLE_NAME: the table is made afresh for each drill (the demo
 * history seeded again), so every drill rehearses the same story and sandbox records never mix with
 * what `record --local` wrote. It is kept after the drill, for `show --local`, until the next one.
 */
export const LOCAL_DRILL_TABLE_NAME = 'rollback-drills-v3';

export interface ConnectionOptions {
  local?: boolean;
  /** With `local`: which local table (default LOCAL_TABLE_NAME; drills use LOCAL_DRILL_TABLE_NAME). */
  localTable?: string;
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
  /** Drops the table and makes it again, empty: a local drill starts from the same history every time. */
  recreate(): Promise<void>;
  /** Another table on the same backend (`show --local` looks in the last drill's too). */
  historyOf(tableName: string): HistoryPorts;
  close(): Promise<void>;
}

/**
 * The history the command works on: `--local` starts DynamoDB Local on the project folder;
 * otherwise the AWS table from --table or ROLLBACK_TABLE (with --endpoint for any DynamoDB-compatible endpoint).
 */
export async function openHistory(options: ConnectionOptions, env: NodeJS.ProcessEnv, debug?: (line: string) => void): Promise<HistoryConnection> {
  if (options.local) {
    const stateDirectory = localStateDirectory(env);
    // One DynamoDB Local per data folder: a second command at once is told who holds it.
    const release = lockLocalHistory(stateDirectory, `rollbackctl ${process.argv.slice(2).join(' ')}`.trim());
    const starting = performance.now();
    let dynamoDbLocal: Awaited<ReturnType<typeof startDynamoDbLocal>>;
    try {
      dynamoDbLocal = await startDynamoDbLocal({ dataDirectory: join(stateDirectory, 'dynamodb') });
    } catch (error) {
      release();
      throw error;
    }
    debug?.(`DynamoDB Local (JVM) answered after ${Math.round(performance.now() - starting)} ms`);
    const stop = async () => {
      try {
        await dynamoDbLocal.stop();
      } finally {
        release();
      }
    };
    try {
      const tableName = options.localTable ?? LOCAL_TABLE_NAME;
      return await connect(dynamoDbLocal.clientConfig, tableName, `local table ${tableName} (${stateDirectory})`, true, stop);
    } catch (error) {
      await stop();
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
  const recreate = async () => {
    const setupClient = new DynamoDBClient(clientConfig);
    try {
      await setupClient.send(new DeleteTableCommand({ TableName: tableName })).catch((error: Error) => {
        if (error.name !== 'ResourceNotFoundException') throw error;
      });
      await ensureHistoryTable(setupClient, tableName);
    } finally {
      setupClient.destroy();
    }
  };
  return {
    recreate,
    historyOf: (other) => dynamoHistory({ client, tableName: other, clock: systemClock }),
    history: dynamoHistory({ client, tableName, clock: systemClock }),
    historyWithClock: (clock) => dynamoHistory({ client, tableName, clock }),
    description,
    async close() {
      client.destroy();
      await stopBackend();
    },
  };
}
