import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EnvironmentConfig } from '../config';
import { deploymentRecordSchema, type DeploymentRecord, type RecordableStatus } from './deployment-record';
import { EnvironmentHeadTable } from './dynamo-environment-head';
import { headId, parseHead, type EnvironmentHead } from './environment-head';
import type { DeploymentHistory, EnvironmentView, HistoryPage, HistoryQuery, RecordDeploymentInput, RecordDeploymentResult } from './deployment-history';
import { decodeCursor, encodeCursor } from './history-cursor';
import { DeploymentConflictError, InvalidCursorError } from './history-errors';
import { HistoryTableAccess, type HistoryTableOptions } from './history-table-access';
import { liveChangeOfRecord } from './live-state';
import { isSettled, selectRollbackPair, type RollbackPair } from './rollback-selection';
import { HISTORY_TABLE } from './table-schema';

export interface DynamoDeploymentHistoryOptions extends HistoryTableOptions {
  /** Records read per page while looking for the active deployment and last known good. */
  pairPageSize?: number;
  /** Stop looking for a last known good after this many records of the environment. */
  pairSearchLimit?: number;
  /** Items a read after the first one evaluates (default the search bound: the rest in one read). */
  pairFollowPageSize?: number;
}

/** A start reported after a deployment failed, untouched by any rollback: the deployment is being tried again. Pure. */
function isRetryOf(existing: DeploymentRecord, startedAt: string): boolean {
  return existing.status === 'failed' && existing.finishedAt !== undefined && existing.finishedAt < startedAt;
}

/** Whole pages a `history --status` page reads at most before it answers with what it found and a cursor. */
export const MAX_FILTERED_READS = 4;

/** The deployment history on DynamoDB: every status change is a conditional write; no Scan. */
export class DynamoDeploymentHistory implements DeploymentHistory {
  readonly #table: HistoryTableAccess;
  readonly #pairPageSize: number;
  readonly #pairSearchLimit: number;
  readonly #pairFollowPageSize: number;
  readonly #head: EnvironmentHeadTable;

  constructor(options: DynamoDeploymentHistoryOptions) {
    this.#table = new HistoryTableAccess(options);
    this.#head = new EnvironmentHeadTable(this.#table);
    this.#pairPageSize = options.pairPageSize ?? 10;
    this.#pairSearchLimit = options.pairSearchLimit ?? 500;
    this.#pairFollowPageSize = options.pairFollowPageSize ?? this.#pairSearchLimit;
  }

  async recordDeployment(input: RecordDeploymentInput): Promise<RecordDeploymentResult> {
    const now = this.#table.clock.now().toISOString();
    const at = (input.at ?? this.#table.clock.now()).toISOString();
    const record = deploymentRecordSchema.parse({
      deploymentId: input.deploymentId,
      kind: input.kind ?? 'deployment',
      environment: input.environment,
      version: input.version,
      status: input.status,
      startedAt: at,
      finishedAt: input.status === 'in_progress' ? undefined : at,
      updatedAt: now,
      source: input.source,
      recordedBy: input.recordedBy,
      restorePoints: input.restorePoints,
      restorePointsUnknown: input.restorePointsUnknown,
      pipeline: input.pipeline,
      sourceRevision: input.sourceRevision,
      stageState: input.stageState,
      restoreOf: input.restoreOf,
      irreversible: input.irreversible,
    });
    const result = input.status === 'in_progress' ? await this.#recordStarted(record) : await this.#recordFinished(record, input.status);
    await this.#keepLive(result.deployment);
    return result;
  }

  /**
   * A deployment that moved traffic becomes the environment's live one — unless something newer
   * already is (a late or repeated event changes nothing). Written after the record, on every
   * recording of it (a repeat too), so a retry after a failed write still gets there.
   */
  async #keepLive(deployment: DeploymentRecord): Promise<void> {
    const restored = deployment.kind === 'restore' && deployment.restoreOf ? await this.getDeployment(deployment.restoreOf) : undefined;
    const change = liveChangeOfRecord(deployment, restored);
    if (change) await this.#head.noteLive(deployment.environment, change);
  }

  async #recordStarted(record: DeploymentRecord): Promise<RecordDeploymentResult> {
    const existing = await this.#table.createUnlessPresent(record);
    if (!existing) return { outcome: 'created', deployment: record };
    this.#assertSameDeployment(record, existing);
    if (record.startedAt < existing.startedAt) return this.#backdateStart(existing, record.startedAt);
    if (isRetryOf(existing, record.startedAt)) return this.#retry(existing, record);
    return { outcome: 'unchanged', deployment: existing };
  }

  /**
   * A failed deployment started again (a CodePipeline stage RESUMED, a CI job retried with the same
   * id) is in progress again: its finish, when it comes, is recorded as for any deployment. Only a
   * failed one no rollback has touched, and only for a start after its failure.
   */
  async #retry(existing: DeploymentRecord, record: DeploymentRecord): Promise<RecordDeploymentResult> {
    const retried = await this.#updateIf(existing.deploymentId, {
      UpdateExpression: 'SET #status = :inProgress, updatedAt = :updatedAt REMOVE finishedAt, stageState',
      // Failed is a status no rollback leaves behind: a claimed record is rolling_back or later.
      ConditionExpression: '#status = :failed AND finishedAt < :retriedAt',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':inProgress': 'in_progress', ':failed': 'failed', ':updatedAt': record.updatedAt, ':retriedAt': record.startedAt },
    });
    return retried ? { outcome: 'updated', deployment: retried, previousStatus: 'failed' } : { outcome: 'unchanged', deployment: existing };
  }

  /** A start reported after the finish (events out of order) still gives the record its real start time. */
  async #backdateStart(existing: DeploymentRecord, startedAt: string): Promise<RecordDeploymentResult> {
    const backdated = await this.#updateIf(existing.deploymentId, {
      UpdateExpression: 'SET startedAt = :startedAt',
      ConditionExpression: 'startedAt = :seen',
      ExpressionAttributeValues: { ':startedAt': startedAt, ':seen': existing.startedAt },
    });
    return { outcome: 'unchanged', deployment: backdated ?? existing };
  }

  /** One conditional update of a recorded deployment: the record as it is after it, or undefined when the condition did not hold. */
  async #updateIf(deploymentId: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key' | 'ReturnValues'>): Promise<DeploymentRecord | undefined> {
    try {
      const result = await this.#table.call(() => this.#table.client.send(new UpdateCommand({ TableName: this.#table.tableName, Key: { deploymentId }, ...update, ReturnValues: 'ALL_NEW' })));
      return deploymentRecordSchema.parse(result.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * A terminal status lands on a new record or on an in_progress one. Events can arrive out of order
   * (SUCCEEDED before STARTED), so the start fields are only written where they are still missing.
   */
  async #recordFinished(record: DeploymentRecord, status: Exclude<RecordableStatus, 'in_progress'>): Promise<RecordDeploymentResult> {
    const optional = {
      recordedBy: record.recordedBy,
      restorePoints: record.restorePoints,
      restorePointsUnknown: record.restorePointsUnknown,
      pipeline: record.pipeline,
      sourceRevision: record.sourceRevision,
      stageState: record.stageState,
      restoreOf: record.restoreOf,
      irreversible: record.irreversible,
    };
    const present = Object.entries(optional).filter(([, value]) => value !== undefined);
    const sets = [
      '#status = :status',
      'finishedAt = :finishedAt',
      'updatedAt = :updatedAt',
      'kind = if_not_exists(kind, :kind)',
      'environment = if_not_exists(environment, :environment)',
      'version = if_not_exists(version, :version)',
      'startedAt = if_not_exists(startedAt, :startedAt)',
      '#source = if_not_exists(#source, :source)',
      ...present.map(([name]) => `${name} = :${name}`),
    ];
    try {
      const result = await this.#table.call(() =>
        this.#table.client.send(
          new UpdateCommand({
            TableName: this.#table.tableName,
            Key: { deploymentId: record.deploymentId },
            // A success after a failure (a retried stage) no longer carries the failed stage state.
            UpdateExpression: `SET ${sets.join(', ')}${status === 'succeeded' && record.stageState === undefined ? ' REMOVE stageState' : ''}`,
            // A failed deployment retried to success (its RESUMED not seen, or CI retried the job) takes a later finish too.
            ConditionExpression:
              'attribute_not_exists(deploymentId) OR (environment = :environment AND version = :version AND (#status = :inProgress OR (#status = :failed AND :status = :succeeded AND finishedAt < :finishedAt)))',
            ExpressionAttributeNames: { '#status': 'status', '#source': 'source' },
            ExpressionAttributeValues: {
              ':status': status,
              ':inProgress': 'in_progress',
              ':failed': 'failed',
              ':succeeded': 'succeeded',
              ':finishedAt': record.finishedAt,
              ':updatedAt': record.updatedAt,
              ':kind': record.kind,
              ':environment': record.environment,
              ':version': record.version,
              ':startedAt': record.startedAt,
              ':source': record.source,
              ...Object.fromEntries(present.map(([name, value]) => [`:${name}`, value])),
            },
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      if (!result.Attributes) return { outcome: 'created', deployment: record };
      const started = deploymentRecordSchema.parse(result.Attributes);
      const { stageState: _replaced, ...kept } = started;
      const deployment = deploymentRecordSchema.parse({
        ...kept,
        ...Object.fromEntries(present),
        status,
        finishedAt: record.finishedAt,
        updatedAt: record.updatedAt,
      });
      return { outcome: 'updated', deployment, previousStatus: started.status as RecordableStatus };
    } catch (error) {
      const existing = this.#table.existingFrom(error);
      this.#assertSameDeployment(record, existing);
      return { outcome: 'unchanged', deployment: existing };
    }
  }

  #assertSameDeployment(attempted: DeploymentRecord, existing: DeploymentRecord): void {
    if (existing.environment !== attempted.environment || existing.version !== attempted.version) {
      throw new DeploymentConflictError(attempted.deploymentId, existing);
    }
  }

  async findRollbackPair(environment: EnvironmentConfig, options: { targetVersion?: string } = {}): Promise<RollbackPair> {
    return (await this.readEnvironment(environment, options)).pair;
  }

  /**
   * The environment's partition newest first — its head sorts above every deployment, so the first
   * page holds it and its live state — paged until the pair is settled (or the search bound).
   */
  async readEnvironment(environment: EnvironmentConfig, options: { targetVersion?: string } = {}): Promise<EnvironmentView> {
    const name = environment.name;
    const records: DeploymentRecord[] = [];
    let head: EnvironmentHead | undefined;
    let exclusiveStartKey: Record<string, unknown> | undefined;
    let pair: RollbackPair = {};
    let reads = 0;
    do {
      const page = await this.#table.queryItems({
        IndexName: HISTORY_TABLE.byEnvironment.indexName,
        KeyConditionExpression: 'environment = :environment',
        FilterExpression: 'kind = :deployment OR deploymentId = :head',
        ExpressionAttributeValues: { ':environment': name, ':deployment': 'deployment', ':head': headId(name) },
        ScanIndexForward: false,
        // A small first page settles the usual case; when drills or many failed attempts sit above the
        // pair, one more read takes the rest at once (up to 1 MB), never one Query per ten of them.
        Limit: reads === 0 ? this.#pairPageSize : this.#pairFollowPageSize,
        ExclusiveStartKey: exclusiveStartKey,
      });
      reads += 1;
      for (const item of page.items) {
        if (item.deploymentId === headId(name)) head = parseHead(name, item);
        else records.push(deploymentRecordSchema.parse(item));
      }
      exclusiveStartKey = page.lastEvaluatedKey;
      pair = selectRollbackPair({ records, targets: environment.targets, ...(head?.live ? { live: head.live } : {}), ...(options.targetVersion !== undefined ? { targetVersion: options.targetVersion } : {}) });
    } while (!isSettled(pair, options.targetVersion) && exclusiveStartKey && records.length < this.#pairSearchLimit);
    return { pair, ...(head ? { head } : {}) };
  }

  async listHistory(query: HistoryQuery): Promise<HistoryPage> {
    const values: Record<string, unknown> = { ':environment': query.environment };
    // Every timestamp sorts below the environment's head, so a range never reaches it.
    const keyCondition = 'environment = :environment AND startedAt BETWEEN :since AND :until';
    const since = (query.since ?? new Date(0)).toISOString();
    const until = (query.until ?? new Date('9999-12-31T23:59:59.999Z')).toISOString();
    // DynamoDB refuses BETWEEN with its bounds reversed; such a range holds nothing.
    if (since > until) return { items: [] };
    values[':since'] = since;
    values[':until'] = until;
    if (query.status) values[':status'] = query.status;
    const items: DeploymentRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined = query.cursor
      ? decodeCursor(query.cursor, query.environment)
      : undefined;
    // A key outside the range is one DynamoDB refuses: the cursor belongs to another --since/--until.
    if (exclusiveStartKey && ((exclusiveStartKey.startedAt as string) < since || (exclusiveStartKey.startedAt as string) > until)) {
      throw new InvalidCursorError(`it resumes at ${String(exclusiveStartKey.startedAt)}, outside the --since/--until range asked for (page with the same range the cursor came from)`);
    }
    // Read one item past the page: DynamoDB hands back a LastEvaluatedKey whenever a read is exactly
    // full, so only the extra item proves older entries exist. A filter applies after Limit, so a
    // filtered read takes whole 1 MB pages — at most MAX_FILTERED_READS of them, then the page so far
    // is answered with a cursor where the reading stopped: a rare status in 100,000 records costs a
    // few reads per page, never thousands.
    let reads = 0;
    do {
      const page = await this.#table.query({
        IndexName: HISTORY_TABLE.byEnvironment.indexName,
        KeyConditionExpression: keyCondition,
        FilterExpression: query.status ? '#status = :status' : undefined,
        ExpressionAttributeNames: query.status ? { '#status': 'status' } : undefined,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: query.status ? undefined : query.limit + 1 - items.length,
        ExclusiveStartKey: exclusiveStartKey,
      });
      reads += 1;
      items.push(...page.items);
      exclusiveStartKey = page.lastEvaluatedKey;
    } while (items.length <= query.limit && exclusiveStartKey && (!query.status || reads < MAX_FILTERED_READS));
    if (items.length <= query.limit) {
      // Stopped before the range ended: the next page resumes where the reading stopped.
      return exclusiveStartKey ? { items, nextCursor: encodeCursor(query.environment, exclusiveStartKey) } : { items };
    }
    const pageItems = items.slice(0, query.limit);
    const last = pageItems.at(-1)!;
    const lastKey = { deploymentId: last.deploymentId, environment: last.environment, startedAt: last.startedAt };
    return { items: pageItems, nextCursor: encodeCursor(query.environment, lastKey) };
  }

  async getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined> {
    // DynamoDB refuses an empty key or one past 2,048 bytes; no record can have such an id.
    if (deploymentId === '' || Buffer.byteLength(deploymentId, 'utf8') > 2048) return undefined;
    const result = await this.#table.call(() =>
      this.#table.client.send(new GetCommand({ TableName: this.#table.tableName, Key: { deploymentId }, ConsistentRead: true })),
    );
    return result.Item ? deploymentRecordSchema.parse(result.Item) : undefined;
  }

  async listRollbacksSince(environment: string, since: Date): Promise<DeploymentRecord[]> {
    const records: DeploymentRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#table.query({
        IndexName: HISTORY_TABLE.rollbacksByEnvironment.indexName,
        KeyConditionExpression: 'rollbackEnvironment = :environment AND rollbackStartedAt >= :since',
        ExpressionAttributeValues: { ':environment': environment, ':since': since.toISOString() },
        ScanIndexForward: false,
        ExclusiveStartKey: exclusiveStartKey,
      });
      records.push(...page.items);
      exclusiveStartKey = page.lastEvaluatedKey;
    } while (exclusiveStartKey);
    return records;
  }
}
