import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { CLAIMABLE_STATUSES, deploymentRecordSchema, type DeploymentRecord, type RollbackDetails } from './deployment-record';
import { headId, parseHead, type EnvironmentHead } from './environment-head';
import { ClaimLostError } from './history-errors';
import { HistoryTableAccess, type HistoryTableOptions } from './history-table-access';
import type { JournalStep } from './run-journal';
import type { ClaimInput, ClaimResult, JoinedCompletion, Journal, ResumeResult, RunCompletion, RunRef, RunStore, ScopeDecisionOpening, StartDrillInput } from './run-store';
import { drillPartition } from './run-store';
import { HISTORY_TABLE, RECONCILE_QUEUE } from './table-schema';

/** The reconciler's own item: which one-time sweep it completed. Not an environment's (those are control#…). */
const RECONCILER_STATE_ID = 'reconciler#state';

/** A bad version's full-scope decision (one per storm). Not an environment's, so in none of the indexes. */
export const scopeDecisionId = (version: string) => `scope#${version}`;
/** How long a scope decision's item outlives its window (TTL): long enough to read back after an incident. */
const SCOPE_DECISION_KEPT_SECONDS = 24 * 3_600;

/** Statuses a recorder may move a deployment between while an alarm is being answered. */
const DEPLOYMENT_STATUSES: ReadonlySet<string> = new Set(['in_progress', 'succeeded', 'failed']);
const MAX_CLAIM_ATTEMPTS = 3;
const NAMES = { '#status': 'status', '#rollback': 'rollback' };
/** What a run lets go of a record with: its lease, its holder and its place on the reconcile queue. */
const LET_GO = ['#rollback.leaseExpiresAt', '#rollback.holder', 'reconcileQueue', 'reconcileAt'] as const;

/** The record is free for a new run: a claimable status and no run holding a lease on it. */
function isFreshlyClaimable(record: DeploymentRecord): boolean {
  return (CLAIMABLE_STATUSES as readonly string[]).includes(record.status) && record.rollback?.leaseExpiresAt === undefined;
}

/** Rollback runs on the history table: one claim per deployment, one driver per run, lease-conditioned writes. */
export class DynamoRunStore implements RunStore {
  readonly #table: HistoryTableAccess;

  constructor(options: HistoryTableOptions) {
    this.#table = new HistoryTableAccess(options);
  }

  async claim(input: ClaimInput): Promise<ClaimResult> {
    let current = input.observed;
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt += 1) {
      if (!isFreshlyClaimable(current)) break;
      try {
        return { outcome: 'claimed', deployment: await this.#claimFresh(current, input) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw this.#table.translate(error);
        if (!error.Item) return { outcome: 'not_found', deploymentId: current.deploymentId };
        const changed = deploymentRecordSchema.parse(unmarshall(error.Item));
        // A deployment that finished meanwhile is claimed as it is now; anything else is another run's.
        const isStillADeployment = DEPLOYMENT_STATUSES.has(current.status) && DEPLOYMENT_STATUSES.has(changed.status);
        current = changed;
        if (!isStillADeployment) break;
      }
    }
    return current.rollback?.leaseExpiresAt !== undefined ? { outcome: 'held', deployment: current } : { outcome: 'not_claimable', deployment: current };
  }

  async #claimFresh(observed: DeploymentRecord, input: ClaimInput): Promise<DeploymentRecord> {
    const now = this.#table.clock.now();
    const previous = observed.rollback;
    const rollback: RollbackDetails = {
      runId: input.runId,
      mode: input.mode,
      holder: input.invocationId,
      leaseExpiresAt: new Date(now.getTime() + input.leaseSeconds * 1_000).toISOString(),
      previousStatus: observed.status as RollbackDetails['previousStatus'],
      trigger: input.trigger,
      startedAt: now.toISOString(),
      attempts: 1,
      ...(input.partOf ? { partOf: input.partOf } : {}),
      ...(previous
        ? { previousRun: { runId: previous.runId, outcome: observed.status, level: previous.level, reason: previous.reason, finishedAt: previous.finishedAt } }
        : {}),
    };
    const sets = ['#status = :rollingBack', '#rollback = :rollback', 'rollbackEnvironment = environment', 'rollbackStartedAt = :now', 'updatedAt = :now', 'reconcileQueue = :queue', 'reconcileAt = :lease'];
    if (input.claimStep) sets.push('timeline = list_append(if_not_exists(timeline, :empty), :claimStep)');
    const result = await this.#table.client.send(
      new UpdateCommand({
        TableName: this.#table.tableName,
        Key: { deploymentId: observed.deploymentId },
        UpdateExpression: `SET ${sets.join(', ')}`,
        // Unchanged since it was read, and no run holds it; a failed run is retaken only as the one seen.
        ConditionExpression: `#status = :observedStatus AND attribute_not_exists(#rollback.leaseExpiresAt)${previous ? ' AND #rollback.runId = :previousRunId' : ''}`,
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: {
          ':rollingBack': 'rolling_back',
          ':rollback': rollback,
          ':now': now.toISOString(),
          ':queue': RECONCILE_QUEUE,
          ':lease': rollback.leaseExpiresAt,
          ':observedStatus': observed.status,
          ...(previous ? { ':previousRunId': previous.runId } : {}),
          ...(input.claimStep ? { ':empty': [], ':claimStep': [input.claimStep] } : {}),
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return deploymentRecordSchema.parse(result.Attributes);
  }

  async resume(input: { observed: DeploymentRecord; invocationId: string; leaseSeconds: number }): Promise<ResumeResult> {
    const { observed } = input;
    const lease = observed.rollback?.leaseExpiresAt;
    if (!observed.rollback || lease === undefined) return { outcome: 'not_claimable', deployment: observed };
    const now = this.#table.clock.now();
    if (lease > now.toISOString()) return { outcome: 'held', deployment: observed };
    try {
      const result = await this.#table.client.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: { deploymentId: observed.deploymentId },
          // Counted by the takeover itself: an attempt whose journal never gets written still counts.
          UpdateExpression: 'SET #rollback.holder = :holder, #rollback.leaseExpiresAt = :lease, reconcileQueue = :queue, reconcileAt = :lease, updatedAt = :now, #rollback.attempts = if_not_exists(#rollback.attempts, :one) + :one',
          ConditionExpression: '#rollback.runId = :runId AND #rollback.leaseExpiresAt <= :now',
          ExpressionAttributeNames: { '#rollback': 'rollback' },
          ExpressionAttributeValues: {
            ':holder': input.invocationId,
            ':lease': new Date(now.getTime() + input.leaseSeconds * 1_000).toISOString(),
            ':now': now.toISOString(),
            ':runId': observed.rollback.runId,
            ':one': 1,
            ':queue': RECONCILE_QUEUE,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'resumed', deployment: deploymentRecordSchema.parse(result.Attributes) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && !error.Item) return { outcome: 'not_found', deploymentId: observed.deploymentId };
      const current = this.#table.existingFrom(error);
      return current.rollback?.leaseExpiresAt !== undefined ? { outcome: 'held', deployment: current } : { outcome: 'not_claimable', deployment: current };
    }
  }

  async startDrill(input: StartDrillInput): Promise<{ created: boolean; deployment: DeploymentRecord }> {
    const now = this.#table.clock.now();
    const record = deploymentRecordSchema.parse({
      // Scoped to the environment: the same request id drilling another environment is another drill.
      deploymentId: `drill-${input.environment}-${input.runId}`,
      kind: 'drill',
      environment: input.environment,
      version: input.from.version,
      status: 'rolling_back',
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      source: 'drill',
      rollback: {
        runId: input.runId,
        mode: 'drill',
        holder: input.invocationId,
        leaseExpiresAt: new Date(now.getTime() + input.leaseSeconds * 1_000).toISOString(),
        previousStatus: 'succeeded',
        trigger: input.trigger,
        startedAt: now.toISOString(),
        targetDeploymentId: input.claimStep.facts.toDeploymentId,
        targetVersion: input.claimStep.facts.toVersion,
      },
      // Its own partition of the rollbacks index: the reconciler finds a stuck drill, the guards never count one.
      rollbackEnvironment: drillPartition(input.environment),
      rollbackStartedAt: now.toISOString(),
      reconcileQueue: RECONCILE_QUEUE,
      reconcileAt: new Date(now.getTime() + input.leaseSeconds * 1_000).toISOString(),
      timeline: [input.claimStep],
      expiresAt: Math.floor(now.getTime() / 1_000) + input.retentionSeconds,
    });
    const existing = await this.#table.createUnlessPresent(record);
    return existing ? { created: false, deployment: existing } : { created: true, deployment: record };
  }

  async writeJournal(ref: RunRef, journal: Journal): Promise<void> {
    await this.#updateHeld(ref, journal, { sets: [] });
  }

  async complete(ref: RunRef, completion: RunCompletion, journal: Journal): Promise<DeploymentRecord> {
    return this.#updateHeld(ref, journal, {
      sets: [
        '#status = :outcome',
        '#rollback.finishedAt = :now',
        '#rollback.#level = :level',
        '#rollback.reason = :reason',
        '#rollback.targetDeploymentId = :targetDeploymentId',
        '#rollback.targetVersion = :targetVersion',
        ...(completion.verdict ? ['#rollback.verdict = :verdict'] : []),
      ],
      condition: '#status = :rollingBack',
      names: { '#level': 'level' },
      values: {
        ...(completion.verdict ? { ':verdict': completion.verdict } : {}),
        ':outcome': completion.outcome,
        ':level': completion.level,
        ':reason': completion.reason,
        ':targetDeploymentId': completion.targetDeploymentId,
        ':targetVersion': completion.targetVersion,
        ':rollingBack': 'rolling_back',
      },
    });
  }

  async journalJoined(input: { deploymentId: string; runId: string; partOf: string; step: JournalStep }): Promise<void> {
    await this.#sendWhileHeld(input.deploymentId, input.runId,
      new UpdateCommand({
        TableName: this.#table.tableName,
        Key: { deploymentId: input.deploymentId },
        UpdateExpression: 'SET timeline = list_append(if_not_exists(timeline, :empty), :step), updatedAt = :now',
        ConditionExpression: '#status = :rollingBack AND #rollback.runId = :runId AND #rollback.partOf = :partOf',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':empty': [], ':step': [input.step], ':now': this.#table.clock.now().toISOString(), ':rollingBack': 'rolling_back', ':runId': input.runId, ':partOf': input.partOf },
      }),
    );
  }

  /** A write conditioned on the run still holding the record: its condition failing means the run lost it. */
  async #sendWhileHeld(deploymentId: string, runId: string, command: UpdateCommand): Promise<void> {
    try {
      await this.#table.client.send(command);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ClaimLostError(deploymentId, runId, undefined);
      throw this.#table.translate(error);
    }
  }

  async completeJoined(input: JoinedCompletion): Promise<DeploymentRecord> {
    const target = input.targetDeploymentId !== undefined && input.targetVersion !== undefined;
    try {
      const result = await this.#table.client.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: { deploymentId: input.deploymentId },
          UpdateExpression:
            'SET #status = :outcome, updatedAt = :now, #rollback.finishedAt = :now, #rollback.#level = :level, #rollback.reason = :reason' +
            `${input.verdict ? ', #rollback.verdict = :verdict' : ''}` +
            `${target ? ', #rollback.targetDeploymentId = :targetDeploymentId, #rollback.targetVersion = :targetVersion' : ''} REMOVE ${LET_GO.join(', ')}`,
          ConditionExpression: '#status = :rollingBack AND #rollback.runId = :runId AND #rollback.partOf = :partOf',
          ExpressionAttributeNames: { ...NAMES, '#level': 'level' },
          ExpressionAttributeValues: {
            ':outcome': input.outcome,
            ':now': this.#table.clock.now().toISOString(),
            ':level': input.level,
            ':reason': input.reason,
            ...(target ? { ':targetDeploymentId': input.targetDeploymentId, ':targetVersion': input.targetVersion } : {}),
            ...(input.verdict ? { ':verdict': input.verdict } : {}),
            ':rollingBack': 'rolling_back',
            ':runId': input.runId,
            ':partOf': input.partOf,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return deploymentRecordSchema.parse(result.Attributes);
    } catch (error) {
      const existing = this.#table.existingFrom(error);
      // A resumed run completing it again: the first attempt already did.
      if (existing.rollback?.runId === input.runId && existing.rollback.partOf === input.partOf && existing.status !== 'rolling_back') return existing;
      throw new ClaimLostError(input.deploymentId, input.runId, existing.rollback?.runId);
    }
  }

  async handOver(ref: RunRef, resumeAfter: Date, journal: Journal): Promise<void> {
    await this.#updateHeld(ref, journal, { sets: ['#rollback.leaseExpiresAt = :resumeAfter', 'reconcileAt = :resumeAfter'], values: { ':resumeAfter': resumeAfter.toISOString() } });
  }

  async renewLease(ref: RunRef, leaseSeconds: number): Promise<void> {
    const now = this.#table.clock.now();
    await this.#sendWhileHeld(ref.deploymentId, ref.runId,
      new UpdateCommand({
        TableName: this.#table.tableName,
        Key: { deploymentId: ref.deploymentId },
        UpdateExpression: 'SET #rollback.leaseExpiresAt = :lease, reconcileAt = :lease',
        // Never renews a lease the run handed over (set to now) or let go of, nor another holder's.
        ConditionExpression: '#rollback.runId = :runId AND #rollback.holder = :holder AND #rollback.leaseExpiresAt > :now',
        ExpressionAttributeNames: { '#rollback': 'rollback' },
        ExpressionAttributeValues: { ':lease': new Date(now.getTime() + leaseSeconds * 1_000).toISOString(), ':runId': ref.runId, ':holder': ref.invocationId, ':now': now.toISOString() },
      }),
    );
  }

  async abandon(ref: RunRef, reason: string): Promise<void> {
    const now = this.#table.clock.now().toISOString();
    const base = { TableName: this.#table.tableName, Key: { deploymentId: ref.deploymentId }, ExpressionAttributeNames: NAMES };
    const held = '#rollback.runId = :runId AND #rollback.holder = :holder';
    const ours = { ':runId': ref.runId, ':holder': ref.invocationId };
    try {
      // Still rolling back: it ends rollback_failed, with why, and lets go — no journal in this write.
      await this.#table.client.send(
        new UpdateCommand({
          ...base,
          UpdateExpression: `SET #status = :failed, updatedAt = :now, #rollback.finishedAt = :now, #rollback.reason = :reason REMOVE ${LET_GO.join(', ')}`,
          ConditionExpression: `${held} AND #status = :rollingBack`,
          ExpressionAttributeValues: { ...ours, ':failed': 'rollback_failed', ':rollingBack': 'rolling_back', ':now': now, ':reason': reason },
        }),
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.#table.translate(error);
    }
    try {
      // Already ended (its completion was written, its announcement was not): it only lets go.
      await this.#table.client.send(
        new UpdateCommand({ ...base, ExpressionAttributeNames: { '#rollback': 'rollback' }, UpdateExpression: `REMOVE ${LET_GO.join(', ')}`, ConditionExpression: held, ExpressionAttributeValues: ours }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.#table.translate(error);
    }
  }

  async release(ref: RunRef, journal: Journal): Promise<void> {
    await this.#updateHeld(ref, journal, { sets: [], removes: [...LET_GO] });
  }

  async findOpenRuns(partition: string, since: Date): Promise<DeploymentRecord[]> {
    const records: DeploymentRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#table.query({
        IndexName: HISTORY_TABLE.rollbacksByEnvironment.indexName,
        KeyConditionExpression: 'rollbackEnvironment = :partition AND rollbackStartedAt >= :since',
        FilterExpression: 'attribute_exists(#rollback.leaseExpiresAt)',
        ExpressionAttributeNames: { '#rollback': 'rollback' },
        ExpressionAttributeValues: { ':partition': partition, ':since': since.toISOString() },
        ExclusiveStartKey: exclusiveStartKey,
      });
      records.push(...page.items);
      exclusiveStartKey = page.lastEvaluatedKey;
    } while (exclusiveStartKey);
    return records;
  }

  async findDue(now: Date): Promise<{ runs: DeploymentRecord[]; heads: EnvironmentHead[] }> {
    const runs: DeploymentRecord[] = [];
    const heads: EnvironmentHead[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#table.call(() =>
        this.#table.client.send(
          new QueryCommand({
            TableName: this.#table.tableName,
            IndexName: HISTORY_TABLE.reconcileQueue.indexName,
            KeyConditionExpression: 'reconcileQueue = :queue AND reconcileAt <= :now',
            ExpressionAttributeValues: { ':queue': RECONCILE_QUEUE, ':now': now.toISOString() },
            ExclusiveStartKey: exclusiveStartKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        if (String(item.deploymentId) === headId(String(item.environment))) heads.push(parseHead(String(item.environment), item));
        else runs.push(deploymentRecordSchema.parse(item));
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return { runs, heads };
  }

  async openScopeDecision(input: { version: string; runId: string; deploymentId: string; decidingSeconds: number; validSeconds: number }): Promise<ScopeDecisionOpening> {
    const now = this.#table.clock.now();
    const validUntil = new Date(now.getTime() + input.validSeconds * 1_000);
    try {
      await this.#table.client.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: { deploymentId: scopeDecisionId(input.version) },
          UpdateExpression: 'SET kind = :kind, runId = :runId, decidedBy = :deploymentId, since = :now, decidingUntil = :deciding, validUntil = :valid, decided = :no, expiresAt = :expires',
          // Free, stale, this run's own (a resumed decider), or its decider stopped short of journaling it.
          ConditionExpression: 'attribute_not_exists(deploymentId) OR validUntil <= :now OR runId = :runId OR (decided = :no AND decidingUntil <= :now)',
          ExpressionAttributeValues: {
            ':kind': 'scope-decision',
            ':runId': input.runId,
            ':deploymentId': input.deploymentId,
            ':now': now.toISOString(),
            ':deciding': new Date(now.getTime() + input.decidingSeconds * 1_000).toISOString(),
            ':valid': validUntil.toISOString(),
            ':no': false,
            ':expires': Math.ceil(validUntil.getTime() / 1_000) + SCOPE_DECISION_KEPT_SECONDS,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { decide: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw this.#table.translate(error);
      const taken = unmarshall(error.Item);
      return { decide: false, decidedBy: { runId: String(taken.runId), deploymentId: String(taken.decidedBy), since: String(taken.since) } };
    }
  }

  async closeScopeDecision(input: { version: string; runId: string }): Promise<void> {
    try {
      await this.#table.client.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: { deploymentId: scopeDecisionId(input.version) },
          UpdateExpression: 'SET decided = :yes, decidedAt = :now REMOVE decidingUntil',
          ConditionExpression: 'runId = :runId',
          ExpressionAttributeValues: { ':yes': true, ':now': this.#table.clock.now().toISOString(), ':runId': input.runId },
        }),
      );
    } catch (error) {
      // Taken over (this run was too slow): the decision that counts is the other run's.
      if (!(error instanceof ConditionalCheckFailedException)) throw this.#table.translate(error);
    }
  }

  async readSweep(): Promise<number | undefined> {
    const result = await this.#table.call(() => this.#table.client.send(new GetCommand({ TableName: this.#table.tableName, Key: { deploymentId: RECONCILER_STATE_ID }, ConsistentRead: true })));
    const version = result.Item?.sweptVersion;
    return typeof version === 'number' ? version : undefined;
  }

  async noteSweep(version: number): Promise<void> {
    await this.#table.call(() => this.#table.client.send(new PutCommand({ TableName: this.#table.tableName, Item: { deploymentId: RECONCILER_STATE_ID, sweptVersion: version, sweptAt: this.#table.clock.now().toISOString() } })));
  }

  /** One update of the run's record, with its journal, only while this invocation holds the run's lease. */
  async #updateHeld(
    ref: RunRef,
    journal: Journal,
    change: { sets: string[]; removes?: string[]; condition?: string; names?: Record<string, string>; values?: Record<string, unknown> },
  ): Promise<DeploymentRecord> {
    const sets = ['timeline = :timeline', 'updatedAt = :now', ...change.sets, ...(journal.dropped > 0 ? ['timelineDropped = :dropped'] : [])];
    const removes = change.removes ?? [];
    const condition = ['#rollback.runId = :runId', '#rollback.holder = :holder', 'attribute_exists(#rollback.leaseExpiresAt)', ...(change.condition ? [change.condition] : [])].join(' AND ');
    const update = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
    // DynamoDB refuses names an expression does not use.
    const names = Object.fromEntries(Object.entries({ ...NAMES, ...change.names }).filter(([name]) => `${update} ${condition}`.includes(name)));
    try {
      const result = await this.#table.client.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: { deploymentId: ref.deploymentId },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':timeline': journal.timeline,
            ':now': this.#table.clock.now().toISOString(),
            ':runId': ref.runId,
            ':holder': ref.invocationId,
            ...(journal.dropped > 0 ? { ':dropped': journal.dropped } : {}),
            ...change.values,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return deploymentRecordSchema.parse(result.Attributes);
    } catch (error) {
      const existing = this.#table.existingFrom(error);
      throw new ClaimLostError(ref.deploymentId, ref.runId, existing.rollback?.holder ?? existing.rollback?.runId);
    }
  }
}
