import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Clock } from '../time/clock';
import { deploymentRecordSchema, type DeploymentRecord } from './deployment-record';
import { HistoryError, HistoryTableMissingError } from './history-errors';

export interface HistoryTableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

/** What every adapter over the history table shares: the client, its table, and how its failures read. */
export class HistoryTableAccess {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;

  constructor(options: HistoryTableOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock;
  }

  /** Runs one call, turning a missing table into an error that says which table and what to do. */
  async call<Output>(send: () => Promise<Output>): Promise<Output> {
    try {
      return await send();
    } catch (error) {
      throw this.translate(error);
    }
  }

  translate(error: unknown): unknown {
    if (error instanceof ResourceNotFoundException) return new HistoryTableMissingError(this.tableName, { cause: error });
    return error;
  }

  async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ items: DeploymentRecord[]; lastEvaluatedKey?: Record<string, unknown> }> {
    const page = await this.queryItems(input);
    return { ...page, items: page.items.map((item) => deploymentRecordSchema.parse(item)) };
  }

  /** A page of items as stored, for a reader that tells deployment records from other items itself. */
  async queryItems(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ items: Record<string, unknown>[]; lastEvaluatedKey?: Record<string, unknown> }> {
    const result = await this.call(() => this.client.send(new QueryCommand({ TableName: this.tableName, ...input })));
    return { items: result.Items ?? [], lastEvaluatedKey: result.LastEvaluatedKey };
  }

  /** Writes a new record; when one already has that id, writes nothing and returns it. */
  async createUnlessPresent(record: DeploymentRecord): Promise<DeploymentRecord | undefined> {
    try {
      await this.call(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record,
            ConditionExpression: 'attribute_not_exists(deploymentId)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return undefined;
    } catch (error) {
      return this.existingFrom(error);
    }
  }

  /** The record a failed conditional write found; anything else is rethrown, translated. */
  existingFrom(error: unknown): DeploymentRecord {
    if (error instanceof ConditionalCheckFailedException && error.Item) return deploymentRecordSchema.parse(unmarshall(error.Item));
    if (error instanceof ConditionalCheckFailedException) {
      throw new HistoryError('conditional write failed on a deployment that does not exist', { cause: error });
    }
    throw this.translate(error);
  }
}
