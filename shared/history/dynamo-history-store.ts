import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Clock } from '../time/clock';
import {
  deploymentRecordSchema,
  MAX_TIMELINE_STEPS,
  type DeploymentRecord,
  type RecordableStatus,
  type RollbackDetails,
  type TimelineStep,
} from './deployment-record';
import { decodeCursor, encodeCursor } from './history-cursor';
import {
  ClaimLostError,
  DeploymentConflictError,
  HistoryError,
  HistoryTableMissingError,
} from './history-errors';
import type {
  ClaimInput,
  ClaimResult,
  CompleteRollbackInput,
  HistoryPage,
  HistoryQuery,
  HistoryStore,
  RecordDeploymentInput,
  RecordDeploymentResult,
  StartDrillInput,
} from './history-store';
import { isSettled, selectRollbackPair, type RollbackPair } from './rollback-selection';
import { HISTORY_TABLE } from './table-schema';

export interface DynamoHistoryStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  /** Records read per page while looking for the active deployment and last known good. */
  pairPageSize?: number;
  /** Stop looking for a last known good after this many records of the environment. */
  pairSearchLimit?: number;
}

const FRESHLY_CLAIMABLE: ReadonlySet<string> = new Set(['in_progress', 'succeeded']);
const MAX_CLAIM_ATTEMPTS = 3;

/** The deployment history on DynamoDB: every status change is a conditional write; no Scan. */
export class DynamoHistoryStore implements HistoryStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #clock: Clock;
  readonly #pairPageSize: number;
  readonly #pairSearchLimit: number;

  constructor(options: DynamoHistoryStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#clock = options.clock;
    this.#pairPageSize = options.pairPageSize ?? 10;
    this.#pairSearchLimit = options.pairSearchLimit ?? 500;
  }

  async recordDeployment(input: RecordDeploymentInput): Promise<RecordDeploymentResult> {
    const now = this.#clock.now().toISOString();
    const at = (input.at ?? this.#clock.now()).toISOString();
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
      lambdaVersions: input.lambdaVersions,
      pipeline: input.pipeline,
      sourceRevision: input.sourceRevision,
      stageState: input.stageState,
      restoreOf: input.restoreOf,
    });
    if (input.status === 'in_progress') return this.#recordStarted(record);
    return this.#recordFinished(record, input.status);
  }

  async #recordStarted(record: DeploymentRecord): Promise<RecordDeploymentResult> {
    const existing = await this.#createUnlessPresent(record);
    if (!existing) return { outcome: 'created', deployment: record };
    this.#assertSameDeployment(record, existing);
    if (record.startedAt < existing.startedAt) return this.#backdateStart(existing, record.startedAt);
    return { outcome: 'unchanged', deployment: existing };
  }

  /** Writes a new record; when one already has that id, writes nothing and returns it. */
  async #createUnlessPresent(record: DeploymentRecord): Promise<DeploymentRecord | undefined> {
    try {
      await this.#call(() =>
        this.#client.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: record,
            ConditionExpression: 'attribute_not_exists(deploymentId)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return undefined;
    } catch (error) {
      return this.#existingFrom(error);
    }
  }

  /** A start reported after the finish (events out of order) still gives the record its real start time. */
  async #backdateStart(existing: DeploymentRecord, startedAt: string): Promise<RecordDeploymentResult> {
    try {
      const result = await this.#call(() =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: { deploymentId: existing.deploymentId },
            UpdateExpression: 'SET startedAt = :startedAt',
            ConditionExpression: 'startedAt = :seen',
            ExpressionAttributeValues: { ':startedAt': startedAt, ':seen': existing.startedAt },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return { outcome: 'unchanged', deployment: deploymentRecordSchema.parse(result.Attributes) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { outcome: 'unchanged', deployment: existing };
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
      lambdaVersions: record.lambdaVersions,
      pipeline: record.pipeline,
      sourceRevision: record.sourceRevision,
      stageState: record.stageState,
      restoreOf: record.restoreOf,
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
      const result = await this.#call(() =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: { deploymentId: record.deploymentId },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression:
              'attribute_not_exists(deploymentId) OR (#status = :inProgress AND environment = :environment AND version = :version)',
            ExpressionAttributeNames: { '#status': 'status', '#source': 'source' },
            ExpressionAttributeValues: {
              ':status': status,
              ':inProgress': 'in_progress',
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
      const deployment = deploymentRecordSchema.parse({
        ...started,
        ...Object.fromEntries(present),
        status,
        finishedAt: record.finishedAt,
        updatedAt: record.updatedAt,
      });
      return { outcome: 'updated', deployment, previousStatus: 'in_progress' };
    } catch (error) {
      const existing = this.#existingFrom(error);
      this.#assertSameDeployment(record, existing);
      return { outcome: 'unchanged', deployment: existing };
    }
  }

  #assertSameDeployment(attempted: DeploymentRecord, existing: DeploymentRecord): void {
    if (existing.environment !== attempted.environment || existing.version !== attempted.version) {
      throw new DeploymentConflictError(attempted.deploymentId, existing);
    }
  }

  async findRollbackPair(environment: string, options: { targetVersion?: string } = {}): Promise<RollbackPair> {
    const records: DeploymentRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    let pair: RollbackPair = {};
    do {
      const page = await this.#query({
        IndexName: HISTORY_TABLE.byEnvironment.indexName,
        KeyConditionExpression: 'environment = :environment',
        FilterExpression: 'kind = :deployment',
        ExpressionAttributeValues: { ':environment': environment, ':deployment': 'deployment' },
        ScanIndexForward: false,
        Limit: this.#pairPageSize,
        ExclusiveStartKey: exclusiveStartKey,
      });
      records.push(...page.items);
      exclusiveStartKey = page.lastEvaluatedKey;
      pair = selectRollbackPair(records, options.targetVersion);
    } while (!isSettled(pair, options.targetVersion) && exclusiveStartKey && records.length < this.#pairSearchLimit);
    return pair;
  }

  async claimForRollback(input: ClaimInput): Promise<ClaimResult> {
    let current = input.observed;
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt += 1) {
      const now = this.#clock.now();
      const leaseExpiresAt = new Date(now.getTime() + input.leaseSeconds * 1_000).toISOString();
      try {
        if (FRESHLY_CLAIMABLE.has(current.status)) {
          return { outcome: 'claimed', resumed: false, deployment: await this.#claimFresh(current, input, now, leaseExpiresAt) };
        }
        if (current.status === 'rolling_back' && current.rollback) {
          const previousHolder = current.rollback.runId;
          const isOwnClaim = previousHolder === input.runId;
          const isLeaseExpired = current.rollback.leaseExpiresAt !== undefined && current.rollback.leaseExpiresAt < now.toISOString();
          if (!isOwnClaim && !isLeaseExpired) {
            return { outcome: 'already_claimed', deployment: current, holderRunId: previousHolder, leaseExpiresAt: current.rollback.leaseExpiresAt };
          }
          const deployment = await this.#takeOver(current, input.runId, now, leaseExpiresAt);
          return isOwnClaim
            ? { outcome: 'claimed', resumed: true, deployment }
            : { outcome: 'claimed', resumed: true, deployment, takenOverFrom: previousHolder };
        }
        return { outcome: 'not_claimable', deployment: current };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw this.#translate(error);
        if (!error.Item) return { outcome: 'not_found', deploymentId: current.deploymentId };
        // Someone changed it between our read and our write: decide again from its true state.
        current = deploymentRecordSchema.parse(unmarshall(error.Item));
      }
    }
    return current.status === 'rolling_back' && current.rollback
      ? { outcome: 'already_claimed', deployment: current, holderRunId: current.rollback.runId, leaseExpiresAt: current.rollback.leaseExpiresAt }
      : { outcome: 'not_claimable', deployment: current };
  }

  async #claimFresh(observed: DeploymentRecord, input: ClaimInput, now: Date, leaseExpiresAt: string): Promise<DeploymentRecord> {
    const rollback: RollbackDetails = {
      runId: input.runId,
      leaseExpiresAt,
      previousStatus: observed.status as RollbackDetails['previousStatus'],
      trigger: input.trigger,
      startedAt: now.toISOString(),
    };
    const result = await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { deploymentId: observed.deploymentId },
        UpdateExpression:
          'SET #status = :rollingBack, #rollback = :rollback, rollbackEnvironment = environment, rollbackStartedAt = :now, updatedAt = :now',
        ConditionExpression: '#status = :observedStatus',
        ExpressionAttributeNames: { '#status': 'status', '#rollback': 'rollback' },
        ExpressionAttributeValues: {
          ':rollingBack': 'rolling_back',
          ':rollback': rollback,
          ':now': now.toISOString(),
          ':observedStatus': observed.status,
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return deploymentRecordSchema.parse(result.Attributes);
  }

  /** Resume our own claim, or take over one whose lease ran out; conditioned on the holder we saw. */
  async #takeOver(observed: DeploymentRecord, runId: string, now: Date, leaseExpiresAt: string): Promise<DeploymentRecord> {
    const previousHolder = observed.rollback?.runId;
    const result = await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { deploymentId: observed.deploymentId },
        UpdateExpression:
          previousHolder === runId
            ? 'SET #rollback.leaseExpiresAt = :lease, updatedAt = :now'
            : 'SET #rollback.runId = :runId, #rollback.leaseExpiresAt = :lease, #rollback.takenOverFrom = :previousHolder, updatedAt = :now',
        ConditionExpression:
          '#status = :rollingBack AND #rollback.runId = :previousHolder AND (#rollback.runId = :runId OR #rollback.leaseExpiresAt < :nowIso)',
        ExpressionAttributeNames: { '#status': 'status', '#rollback': 'rollback' },
        ExpressionAttributeValues: {
          ':rollingBack': 'rolling_back',
          ':previousHolder': previousHolder,
          ':runId': runId,
          ':lease': leaseExpiresAt,
          ':now': now.toISOString(),
          ':nowIso': now.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return deploymentRecordSchema.parse(result.Attributes);
  }

  async appendTimeline(deploymentId: string, runId: string, steps: readonly TimelineStep[]): Promise<void> {
    if (steps.length === 0) return;
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { deploymentId },
          UpdateExpression: 'SET timeline = list_append(if_not_exists(timeline, :empty), :steps), updatedAt = :now',
          ConditionExpression: '#rollback.runId = :runId AND (attribute_not_exists(timeline) OR size(timeline) <= :room)',
          ExpressionAttributeNames: { '#rollback': 'rollback' },
          ExpressionAttributeValues: {
            ':empty': [],
            ':steps': steps,
            ':now': this.#clock.now().toISOString(),
            ':runId': runId,
            ':room': MAX_TIMELINE_STEPS - steps.length,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      const existing = this.#existingFrom(error);
      if (existing.rollback?.runId !== runId) throw new ClaimLostError(deploymentId, runId, existing.rollback?.runId);
      await this.#countDroppedSteps(deploymentId, runId, steps.length);
    }
  }

  /** The timeline is full: keep the count of what was dropped so the record says it is incomplete. */
  async #countDroppedSteps(deploymentId: string, runId: string, count: number): Promise<void> {
    await this.#call(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { deploymentId },
          UpdateExpression: 'SET timelineDropped = if_not_exists(timelineDropped, :zero) + :count',
          ConditionExpression: '#rollback.runId = :runId',
          ExpressionAttributeNames: { '#rollback': 'rollback' },
          ExpressionAttributeValues: { ':zero': 0, ':count': count, ':runId': runId },
        }),
      ),
    );
  }

  async completeRollback(input: CompleteRollbackInput): Promise<DeploymentRecord> {
    const optional = { targetDeploymentId: input.targetDeploymentId, targetVersion: input.targetVersion };
    const present = Object.entries(optional).filter(([, value]) => value !== undefined);
    try {
      const result = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { deploymentId: input.deploymentId },
          UpdateExpression: [
            'SET #status = :outcome, updatedAt = :now, #rollback.finishedAt = :now, #rollback.#level = :level, #rollback.reason = :reason',
            ...present.map(([name]) => `#rollback.${name} = :${name}`),
          ].join(', ') + ' REMOVE #rollback.leaseExpiresAt',
          ConditionExpression: '#status = :rollingBack AND #rollback.runId = :runId',
          ExpressionAttributeNames: { '#status': 'status', '#rollback': 'rollback', '#level': 'level' },
          ExpressionAttributeValues: {
            ':outcome': input.outcome,
            ':now': this.#clock.now().toISOString(),
            ':level': input.level,
            ':reason': input.reason,
            ':rollingBack': 'rolling_back',
            ':runId': input.runId,
            ...Object.fromEntries(present.map(([name, value]) => [`:${name}`, value])),
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return deploymentRecordSchema.parse(result.Attributes);
    } catch (error) {
      const existing = this.#existingFrom(error);
      throw new ClaimLostError(input.deploymentId, input.runId, existing.rollback?.runId);
    }
  }

  async startDrill(input: StartDrillInput): Promise<{ deployment: DeploymentRecord; resumed: boolean }> {
    const now = this.#clock.now();
    const record = deploymentRecordSchema.parse({
      deploymentId: `drill-${input.runId}`,
      kind: 'drill',
      environment: input.environment,
      version: input.version,
      status: 'rolling_back',
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      source: 'drill',
      rollback: {
        runId: input.runId,
        previousStatus: 'succeeded',
        trigger: input.trigger,
        startedAt: now.toISOString(),
        targetDeploymentId: input.target.deploymentId,
        targetVersion: input.target.version,
      },
      expiresAt: Math.floor(now.getTime() / 1_000) + input.retentionSeconds,
    });
    const existing = await this.#createUnlessPresent(record);
    return existing ? { deployment: existing, resumed: true } : { deployment: record, resumed: false };
  }

  async listHistory(query: HistoryQuery): Promise<HistoryPage> {
    const values: Record<string, unknown> = { ':environment': query.environment };
    let keyCondition = 'environment = :environment';
    if (query.since || query.until) {
      keyCondition += ' AND startedAt BETWEEN :since AND :until';
      values[':since'] = (query.since ?? new Date(0)).toISOString();
      values[':until'] = (query.until ?? new Date('9999-12-31T23:59:59.999Z')).toISOString();
    }
    if (query.status) values[':status'] = query.status;
    const items: DeploymentRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined = query.cursor
      ? decodeCursor(query.cursor, query.environment)
      : undefined;
    // Read one item past the page: DynamoDB hands back a LastEvaluatedKey whenever a read is exactly
    // full, so only the extra item proves older entries exist. A filter applies after Limit, so keep
    // reading until the page (plus one) is full or the range is exhausted.
    do {
      const page = await this.#query({
        IndexName: HISTORY_TABLE.byEnvironment.indexName,
        KeyConditionExpression: keyCondition,
        FilterExpression: query.status ? '#status = :status' : undefined,
        ExpressionAttributeNames: query.status ? { '#status': 'status' } : undefined,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: query.limit + 1 - items.length,
        ExclusiveStartKey: exclusiveStartKey,
      });
      items.push(...page.items);
      exclusiveStartKey = page.lastEvaluatedKey;
    } while (items.length <= query.limit && exclusiveStartKey);
    if (items.length <= query.limit) return { items };
    const pageItems = items.slice(0, query.limit);
    const last = pageItems.at(-1)!;
    const lastKey = { deploymentId: last.deploymentId, environment: last.environment, startedAt: last.startedAt };
    return { items: pageItems, nextCursor: encodeCursor(query.environment, lastKey) };
  }

  async getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined> {
    const result = await this.#call(() =>
      this.#client.send(new GetCommand({ TableName: this.#tableName, Key: { deploymentId }, ConsistentRead: true })),
    );
    return result.Item ? deploymentRecordSchema.parse(result.Item) : undefined;
  }

  async listRollbacksSince(environment: string, since: Date): Promise<DeploymentRecord[]> {
    const records: DeploymentRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#query({
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

  async #query(
    input: Omit<QueryCommandInput, 'TableName'>,
  ): Promise<{ items: DeploymentRecord[]; lastEvaluatedKey?: Record<string, unknown> }> {
    const result = await this.#call(() => this.#client.send(new QueryCommand({ TableName: this.#tableName, ...input })));
    return {
      items: (result.Items ?? []).map((item) => deploymentRecordSchema.parse(item)),
      lastEvaluatedKey: result.LastEvaluatedKey,
    };
  }

  /** Runs one call, turning a missing table into an error that says which table and what to do. */
  async #call<Output>(send: () => Promise<Output>): Promise<Output> {
    try {
      return await send();
    } catch (error) {
      throw this.#translate(error);
    }
  }

  #translate(error: unknown): unknown {
    if (error instanceof ResourceNotFoundException) return new HistoryTableMissingError(this.#tableName, { cause: error });
    return error;
  }

  /** The record a failed conditional write found; anything else is rethrown, translated. */
  #existingFrom(error: unknown): DeploymentRecord {
    if (error instanceof ConditionalCheckFailedException && error.Item) {
      return deploymentRecordSchema.parse(unmarshall(error.Item));
    }
    if (error instanceof ConditionalCheckFailedException) {
      throw new HistoryError('conditional write failed on a deployment that does not exist', { cause: error });
    }
    throw this.#translate(error);
  }
}
