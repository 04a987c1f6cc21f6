import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { HistoryTableAccess, type HistoryTableOptions } from './history-table-access';
import type { NoticeLedger } from './run-store';

/** Notice markers are kept a day past their window, then DynamoDB's TTL removes them. */
const MARKER_RETENTION_SECONDS = 86_400;

/**
 * One small item per notice (`notice#<key>`), outside both indexes (it has no environment or start
 * time), written with a conditional put: the first caller in a window wins.
 */
export class DynamoNoticeLedger implements NoticeLedger {
  readonly #table: HistoryTableAccess;

  constructor(options: HistoryTableOptions) {
    this.#table = new HistoryTableAccess(options);
  }

  async isFirstNotice(key: string, until: Date): Promise<boolean> {
    try {
      await this.#table.call(() =>
        this.#table.client.send(
          new PutCommand({
            TableName: this.#table.tableName,
            Item: { deploymentId: `notice#${key}`, until: until.toISOString(), expiresAt: Math.floor(until.getTime() / 1_000) + MARKER_RETENTION_SECONDS },
            ConditionExpression: 'attribute_not_exists(deploymentId) OR #until <= :now',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':now': this.#table.clock.now().toISOString() },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
