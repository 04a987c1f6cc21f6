import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ensureHistoryTable, historyTableDefinition } from '../../shared/history/history-table-setup';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import type { RecordDeploymentInput } from '../../shared/history/deployment-history';
import { DynamoDeploymentHistory } from '../../shared/history/dynamo-deployment-history';
import {
  ClaimLostError,
  DeploymentConflictError,
  HistoryTableMissingError,
  InvalidCursorError,
} from '../../shared/history/history-errors';
import { boundTimeline, MAX_TIMELINE_STEPS, type JournalStep, type StepOf } from '../../shared/history/run-journal';
import { drillPartition, type Journal } from '../../shared/history/run-store';
import { ManualClock } from '../../shared/time/clock';
import { findEnvironment, parseConfig } from '../../shared/config';
import { countDynamoDbCalls } from '../helpers/dynamodb-calls';
import { createTestHistory, localClientConfig } from '../helpers/history-table';

type History = Awaited<ReturnType<typeof createTestHistory>>;

const MINUTE = 60_000;
const alarmTrigger = { type: 'alarm', alarmName: 'demo-shop-prod-5xx' } as const;

/** Two environments, each rolled back through one Lambda alias (`<environment>-api`). */
const testConfig = parseConfig({
  application: 'shop',
  environments: ['production', 'staging'].map((name) => ({ name, alarms: { prefixes: [`${name}-`] }, targets: [{ type: 'lambda-alias', alias: 'live', functions: [`${name}-api`] }] })),
});
const environment = (name: string) => findEnvironment(testConfig, name);

/**
 * Records deployments one minute apart, oldest first, in the given environment; a succeeded one
 * records the alias version it put live (a failed one moved nothing).
 */
async function seed(history: History, environment: string, specs: readonly [string, RecordDeploymentInput['status']][]) {
  const records: DeploymentRecord[] = [];
  for (const [index, [version, status]] of specs.entries()) {
    history.clock.advance(MINUTE);
    const result = await history.deployments.recordDeployment({
      deploymentId: `${environment}-${index}-${version}`,
      environment,
      version,
      status,
      source: 'test',
      ...(status === 'succeeded' ? { restorePoints: { 'lambda-alias': { versions: { [`${environment}-api`]: String(index + 1) } } } } : {}),
    });
    records.push(result.deployment);
  }
  return records;
}

describe('recording deployments', () => {
  it('creates a deployment once and leaves it unchanged when the same start is recorded again', async () => {
    const history = await createTestHistory();
    const input = { deploymentId: 'exec-1', environment: 'production', version: '1.4.0', status: 'in_progress', source: 'codepipeline' } as const;

    const first = await history.deployments.recordDeployment(input);
    history.clock.advance(MINUTE);
    const second = await history.deployments.recordDeployment(input);

    expect(first.outcome).toBe('created');
    expect(second.outcome).toBe('unchanged');
    expect(await history.deployments.getDeployment('exec-1')).toEqual(first.deployment);
  });

  it('moves an in_progress deployment to succeeded, keeping its start time and adding its restore points', async () => {
    const history = await createTestHistory();
    await history.deployments.recordDeployment({ deploymentId: 'exec-2', environment: 'production', version: '1.5.0', status: 'in_progress', source: 'cli' });
    history.clock.advance(5 * MINUTE);

    const result = await history.deployments.recordDeployment({
      deploymentId: 'exec-2',
      environment: 'production',
      version: '1.5.0',
      status: 'succeeded',
      source: 'cli',
      restorePoints: { 'lambda-alias': { versions: { 'demo-shop-prod-api': '42' } } },
    });

    expect(result.outcome).toBe('updated');
    const stored = await history.deployments.getDeployment('exec-2');
    expect(stored).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-11-01T12:00:00.000Z',
      finishedAt: '2026-11-01T12:05:00.000Z',
      restorePoints: { 'lambda-alias': { versions: { 'demo-shop-prod-api': '42' } } },
    });
    expect(result.deployment).toEqual(stored);
  });

  it('accepts a SUCCEEDED that arrives before its STARTED, and the late STARTED changes nothing', async () => {
    const history = await createTestHistory();
    const base = { deploymentId: 'exec-3', environment: 'staging', version: '2.0.0', source: 'codepipeline' } as const;

    const finished = await history.deployments.recordDeployment({ ...base, status: 'succeeded' });
    const lateStart = await history.deployments.recordDeployment({ ...base, status: 'in_progress' });

    expect(finished.outcome).toBe('created');
    expect(lateStart.outcome).toBe('unchanged');
    expect((await history.deployments.getDeployment('exec-3'))?.status).toBe('succeeded');
  });

  it('does not let a late status overwrite a deployment that is being or was rolled back', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['3.0.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'run-1');

    const { deploymentId, environment, version } = deployment!;
    const late = await history.deployments.recordDeployment({ deploymentId, environment, version, status: 'failed', source: 'test' });

    expect(late.outcome).toBe('unchanged');
    expect((await history.deployments.getDeployment(deployment!.deploymentId))?.status).toBe('rolling_back');
  });

  it('refuses to reuse a deployment id for another environment or version, writing nothing', async () => {
    const history = await createTestHistory();
    await history.deployments.recordDeployment({ deploymentId: 'exec-4', environment: 'test', version: '1.0.0', status: 'in_progress', source: 'cli' });

    await expect(
      history.deployments.recordDeployment({ deploymentId: 'exec-4', environment: 'production', version: '1.0.0', status: 'succeeded', source: 'cli' }),
    ).rejects.toBeInstanceOf(DeploymentConflictError);
    await expect(
      history.deployments.recordDeployment({ deploymentId: 'exec-4', environment: 'test', version: '9.9.9', status: 'in_progress', source: 'cli' }),
    ).rejects.toThrow(/already recorded for environment "test" version "1.0.0"/);
    expect(await history.deployments.getDeployment('exec-4')).toMatchObject({ environment: 'test', version: '1.0.0', status: 'in_progress' });
  });
});

describe('finding the active deployment and the last known good', () => {
  it.each<{ name: string; specs: [string, RecordDeploymentInput['status']][]; active?: string; lastGood?: string }>([
    { name: 'newest succeeded is active, the one before is last good', specs: [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded']], active: '1.2', lastGood: '1.1' },
    { name: 'an in_progress deployment is active', specs: [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'in_progress']], active: '1.2', lastGood: '1.1' },
    { name: 'failed deployments are neither active nor good', specs: [['1.0', 'succeeded'], ['1.1', 'failed'], ['1.2', 'succeeded'], ['1.3', 'failed']], active: '1.2', lastGood: '1.0' },
    { name: 'a redeploy of the active version is not a rollback target', specs: [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.1', 'succeeded']], active: '1.1', lastGood: '1.0' },
    { name: 'only one deployment: active without a last good', specs: [['1.0', 'succeeded']], active: '1.0' },
    { name: 'nothing live: no active deployment', specs: [['1.0', 'failed']] },
  ])('$name', async ({ specs, active, lastGood }) => {
    const history = await createTestHistory();
    await seed(history, 'production', specs);

    const pair = await history.deployments.findRollbackPair(environment('production'));

    expect(pair.activeDeployment?.version).toBe(active);
    expect(pair.lastKnownGood?.version).toBe(lastGood);
  });

  it('reads at most one more Query when 168 drill records sit above the pair (was one per ten of them)', async () => {
    const history = await createTestHistory();
    await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded']]);
    for (let first = 0; first < 168; first += 24) {
      await Promise.all(
        Array.from({ length: 24 }, (_, offset) =>
          history.client.send(new PutCommand({ TableName: history.tableName, Item: { deploymentId: `drill-production-${first + offset}`, kind: 'drill', environment: 'production', version: '1.1', status: 'rolled_back', startedAt: new Date(Date.parse('2026-11-02T00:00:00.000Z') + (first + offset) * 60_000).toISOString() } })),
        ),
      );
    }
    const calls = countDynamoDbCalls(history.client);

    const pair = await history.deployments.findRollbackPair(environment('production'));

    expect([pair.activeDeployment?.version, pair.lastKnownGood?.version]).toEqual(['1.1', '1.0']);
    expect(calls).toEqual(['Query', 'Query']);
  });

  it('after a rollback, the restored version is active again and the rolled-back one is skipped', async () => {
    const history = await createTestHistory();
    const [, , bad] = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded']]);
    const claimed = await claim(history, bad!.deploymentId, 'run-1');
    history.clock.advance(MINUTE);
    // As the run does: the restore puts the known good live on the head, then the record completes.
    await history.controls.noteLive('production', { deploymentId: 'production-1-1.1', version: '1.1', since: history.clock.now().toISOString(), cause: 'restored', targets: ['lambda-alias'], replaced: bad!.deploymentId, runId: 'run-1', level: 'stage' });
    const completed = await history.runs.complete(refOf(bad!.deploymentId, 'run-1'), completion, journalOf(claimed.outcome === 'claimed' ? claimed.deployment : undefined));
    // Announced: the run lets go of it (until then it is the one being rolled back).
    await history.runs.release(refOf(bad!.deploymentId, 'run-1'), journalOf(completed));

    const pair = await history.deployments.findRollbackPair(environment('production'));

    expect(pair.activeDeployment?.version).toBe('1.1');
    expect(pair.lastKnownGood?.version).toBe('1.0');
  });

  it('pages the one Query past a run of failed deployments, and ignores other environments', async () => {
    const history = await createTestHistory({ pairPageSize: 3 });
    await seed(history, 'production', [['1.0', 'succeeded'], ...Array.from({ length: 8 }, (_, i) => [`1.1-rc${i}`, 'failed'] as [string, 'failed']), ['1.1', 'succeeded']]);
    await seed(history, 'staging', [['9.0', 'succeeded'], ['9.1', 'succeeded']]);

    const pair = await history.deployments.findRollbackPair(environment('production'));

    expect(pair.activeDeployment?.version).toBe('1.1');
    expect(pair.lastKnownGood?.version).toBe('1.0');
  });

  it('finds a requested target version further back than the last known good', async () => {
    const history = await createTestHistory();
    await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded'], ['1.3', 'succeeded']]);

    const pair = await history.deployments.findRollbackPair(environment('production'), { targetVersion: '1.0' });

    expect(pair.lastKnownGood?.version).toBe('1.2');
    expect(pair.requestedTarget?.version).toBe('1.0');
    expect((await history.deployments.findRollbackPair(environment('production'), { targetVersion: '0.9' })).requestedTarget).toBeUndefined();
  });
});

const invocation = (name: string) => `invocation-${name}`;

function claimStep(runId: string, at = '2026-11-01T12:00:00.000Z'): StepOf<'claim'> {
  return {
    step: 'claim',
    at,
    runId,
    outcome: 'info',
    durationMs: 0,
    detail: 'claimed',
    facts: { invocationId: invocation(runId), mode: 'automatic', environment: 'production', fromDeploymentId: 'x', fromVersion: '1.0', toDeploymentId: 'y', toVersion: '0.9', reason: 'alarm' },
  };
}

function noteStep(runId: string, detail: string): JournalStep {
  return { step: 'handover', at: '2026-11-01T12:00:00.000Z', runId, outcome: 'warning', durationMs: 0, detail, facts: { cause: 'interrupted', resumeAfter: '2026-11-01T12:00:00.000Z' } };
}

/** Claims as `runId`, driven by its own invocation, with its claim step. */
async function claim(history: History, deploymentId: string, runId: string, leaseSeconds = 60) {
  const observed = await history.deployments.getDeployment(deploymentId);
  if (!observed) throw new Error(`test setup: ${deploymentId} missing`);
  return history.runs.claim({ observed, runId, invocationId: invocation(runId), mode: 'automatic', trigger: alarmTrigger, leaseSeconds, claimStep: claimStep(runId) });
}

const refOf = (deploymentId: string, runId: string, invocationId = invocation(runId)) => ({ deploymentId, runId, invocationId });
const journalOf = (record: DeploymentRecord | undefined): Journal => ({ timeline: record?.timeline ?? [], dropped: record?.timelineDropped ?? 0 });
const completion = { outcome: 'rolled_back', level: 'stage', reason: 'alarm demo-shop-prod-5xx', targetDeploymentId: 'production-0-1.0', targetVersion: '1.0' } as const;

describe('claiming a deployment for a run', () => {
  it('lets exactly one of 50 concurrent claimants win, writing its claim step with the claim; the rest find it held', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        history.runs.claim({ observed: deployment!, runId: `run-${index}`, invocationId: `i-${index}`, mode: 'automatic', trigger: alarmTrigger, leaseSeconds: 60, claimStep: claimStep(`run-${index}`) }),
      ),
    );

    const winners = results.filter((result) => result.outcome === 'claimed');
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.deployment.rollback!;
    expect(results.filter((result) => result.outcome === 'held')).toHaveLength(49);
    for (const result of results) if (result.outcome === 'held') expect(result.deployment.rollback?.holder).toBe(winner.holder);
    const stored = await history.deployments.getDeployment(deployment!.deploymentId);
    expect(stored).toMatchObject({
      status: 'rolling_back',
      rollbackEnvironment: 'production',
      rollbackStartedAt: '2026-11-01T12:01:00.000Z',
      rollback: { runId: winner.runId, mode: 'automatic', holder: winner.holder, previousStatus: 'succeeded', leaseExpiresAt: '2026-11-01T12:02:00.000Z', trigger: alarmTrigger },
    });
    expect(stored?.timeline?.map((step) => [step.step, step.runId])).toEqual([['claim', winner.runId]]);
  });

  it('finds another invocation of the same run (a copy of one event) holding a live lease', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'run-a');
    const observed = (await history.deployments.getDeployment(deployment!.deploymentId))!;

    const copy = await history.runs.resume({ observed, invocationId: 'the-copy', leaseSeconds: 60 });

    expect(copy).toMatchObject({ outcome: 'held', deployment: { rollback: { holder: invocation('run-a') } } });
  });

  it('resumes an expired lease exactly once when 50 invocations try together', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'crashed-run', 60);
    history.clock.advance(61_000);
    const observed = (await history.deployments.getDeployment(deployment!.deploymentId))!;

    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => history.runs.resume({ observed, invocationId: `retry-${index}`, leaseSeconds: 60 })));

    const winners = results.filter((result) => result.outcome === 'resumed');
    expect(winners).toHaveLength(1);
    expect(results.filter((result) => result.outcome === 'held')).toHaveLength(49);
    const stored = await history.deployments.getDeployment(deployment!.deploymentId);
    expect(stored?.rollback).toMatchObject({ runId: 'crashed-run', holder: winners[0]!.deployment.rollback?.holder, leaseExpiresAt: '2026-11-01T12:03:01.000Z' });
  });

  it('lets a run be resumed at once after its driver handed it over, and not before', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    const claimed = await claim(history, deployment!.deploymentId, 'run-1', 900);
    const observed = (await history.deployments.getDeployment(deployment!.deploymentId))!;
    expect((await history.runs.resume({ observed, invocationId: 'early', leaseSeconds: 900 })).outcome).toBe('held');

    await history.runs.handOver(refOf(deployment!.deploymentId, 'run-1'), history.clock.now(), { timeline: [...claimed.outcome === 'claimed' ? claimed.deployment.timeline! : [], noteStep('run-1', 'validator unavailable')], dropped: 0 });
    const released = (await history.deployments.getDeployment(deployment!.deploymentId))!;

    expect(await history.runs.resume({ observed: released, invocationId: 'reconciler', leaseSeconds: 900 })).toMatchObject({ outcome: 'resumed', deployment: { rollback: { holder: 'reconciler' } } });
  });

  it('re-decides from the true state when the deployment finished after it was read', async () => {
    const history = await createTestHistory();
    const started = await history.deployments.recordDeployment({ deploymentId: 'exec-9', environment: 'production', version: '2.0', status: 'in_progress', source: 'cli' });
    await history.deployments.recordDeployment({ deploymentId: 'exec-9', environment: 'production', version: '2.0', status: 'succeeded', source: 'cli' });

    const result = await history.runs.claim({ observed: started.deployment, runId: 'run-x', invocationId: 'i-x', mode: 'automatic', trigger: alarmTrigger, leaseSeconds: 60 });

    expect(result).toMatchObject({ outcome: 'claimed', deployment: { rollback: { previousStatus: 'succeeded' } } });
  });

  it('will not claim a rolled-back deployment or one that does not exist', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    const claimed = await claim(history, deployment!.deploymentId, 'run-1');
    const ref = refOf(deployment!.deploymentId, 'run-1');
    const record = await history.runs.complete(ref, completion, journalOf(claimed.outcome === 'claimed' ? claimed.deployment : undefined));
    await history.runs.release(ref, journalOf(record));

    expect((await claim(history, deployment!.deploymentId, 'run-2')).outcome).toBe('not_claimable');
    const ghost = { ...deployment!, deploymentId: 'never-recorded' };
    expect(await history.runs.claim({ observed: ghost, runId: 'run-3', invocationId: 'i-3', mode: 'automatic', trigger: alarmTrigger, leaseSeconds: 60 })).toEqual({
      outcome: 'not_found',
      deploymentId: 'never-recorded',
    });
  });

  it('lets a new run claim a deployment whose rollback failed, keeping the failed run as the previous one', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    const claimed = await claim(history, deployment!.deploymentId, 'automatic-run');
    const ref = refOf(deployment!.deploymentId, 'automatic-run');
    const failed = await history.runs.complete(ref, { ...completion, outcome: 'rollback_failed', reason: 'still in ALARM' }, journalOf(claimed.outcome === 'claimed' ? claimed.deployment : undefined));
    await history.runs.release(ref, journalOf(failed));
    const observed = (await history.deployments.getDeployment(deployment!.deploymentId))!;

    const manual = await history.runs.claim({ observed, runId: 'manual-run', invocationId: 'i-m', mode: 'manual', trigger: { type: 'manual', requestedBy: 'ana' }, leaseSeconds: 60, claimStep: claimStep('manual-run') });

    expect(manual).toMatchObject({
      outcome: 'claimed',
      deployment: {
        status: 'rolling_back',
        rollback: { runId: 'manual-run', mode: 'manual', previousStatus: 'rollback_failed', previousRun: { runId: 'automatic-run', outcome: 'rollback_failed', reason: 'still in ALARM' } },
      },
    });
    expect(manual.outcome === 'claimed' && manual.deployment.timeline?.map((step) => step.runId)).toEqual(['automatic-run', 'manual-run']);
  });
});

describe('completing a run and its journal', () => {
  it('records outcome, level, reason and target with the journal, and keeps the lease until the run is released', async () => {
    const history = await createTestHistory();
    const [good, bad] = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded']]);
    const claimed = await claim(history, bad!.deploymentId, 'run-1');
    history.clock.advance(42_000);
    const ref = refOf(bad!.deploymentId, 'run-1');

    const completed = await history.runs.complete(ref, { ...completion, targetDeploymentId: good!.deploymentId }, journalOf(claimed.outcome === 'claimed' ? claimed.deployment : undefined));

    expect(completed.status).toBe('rolled_back');
    expect(completed.rollback).toEqual({
      runId: 'run-1',
      mode: 'automatic',
      holder: invocation('run-1'),
      leaseExpiresAt: '2026-11-01T12:03:00.000Z',
      previousStatus: 'succeeded',
      trigger: alarmTrigger,
      startedAt: '2026-11-01T12:02:00.000Z',
      attempts: 1,
      finishedAt: '2026-11-01T12:02:42.000Z',
      level: 'stage',
      reason: 'alarm demo-shop-prod-5xx',
      targetDeploymentId: good!.deploymentId,
      targetVersion: '1.0',
    });
    await history.runs.release(ref, journalOf(completed));
    const released = await history.deployments.getDeployment(bad!.deploymentId);
    expect(released?.rollback?.leaseExpiresAt).toBeUndefined();
    expect(released?.rollback?.holder).toBeUndefined();
  });

  it('refuses journal, completion and release writes from an invocation that no longer drives the run', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'slow-run', 60);
    history.clock.advance(61_000);
    const observed = (await history.deployments.getDeployment(deployment!.deploymentId))!;
    await history.runs.resume({ observed, invocationId: 'the-reconciler', leaseSeconds: 60 });
    const slow = refOf(deployment!.deploymentId, 'slow-run');

    await expect(history.runs.writeJournal(slow, journalOf(observed))).rejects.toBeInstanceOf(ClaimLostError);
    await expect(history.runs.complete(slow, completion, journalOf(observed))).rejects.toThrow(/no longer holds the rollback claim .* \(held by the-reconciler\)/);
    await expect(history.runs.release(slow, journalOf(observed))).rejects.toBeInstanceOf(ClaimLostError);
    expect((await history.deployments.getDeployment(deployment!.deploymentId))?.status).toBe('rolling_back');
  });

  it('completes another environment\'s joined record once, and again as a no-op for the same run', async () => {
    const history = await createTestHistory();
    const [staging] = await seed(history, 'staging', [['1.1', 'succeeded']]);
    await history.runs.claim({ observed: staging!, runId: 'run-1', invocationId: 'i-1', mode: 'automatic', trigger: alarmTrigger, leaseSeconds: 60, partOf: 'prod-journal' });
    const input = { deploymentId: staging!.deploymentId, runId: 'run-1', partOf: 'prod-journal', ...completion, level: 'full' as const };

    const first = await history.runs.completeJoined(input);
    const again = await history.runs.completeJoined(input);

    expect(first).toMatchObject({ status: 'rolled_back', rollback: { level: 'full', partOf: 'prod-journal' } });
    expect(first.rollback?.leaseExpiresAt).toBeUndefined();
    expect(again).toEqual(first);
    await expect(history.runs.completeJoined({ ...input, runId: 'someone-else' })).rejects.toBeInstanceOf(ClaimLostError);
  });

  it('keeps the first and the newest steps when the journal passes its bound, and counts what it dropped', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    const claimed = await claim(history, deployment!.deploymentId, 'run-1');
    const ref = refOf(deployment!.deploymentId, 'run-1');
    let journal = journalOf(claimed.outcome === 'claimed' ? claimed.deployment : undefined);

    for (let index = 0; index < MAX_TIMELINE_STEPS + 20; index += 1) {
      const bounded = boundTimeline([...journal.timeline, noteStep('run-1', `step-${index}`)], journal.dropped);
      journal = { timeline: bounded.timeline, dropped: bounded.dropped };
      await history.runs.writeJournal(ref, journal);
    }

    const stored = await history.deployments.getDeployment(deployment!.deploymentId);
    expect(stored?.timeline).toHaveLength(MAX_TIMELINE_STEPS);
    expect(stored?.timeline?.[0]?.step).toBe('claim');
    expect(stored?.timeline?.at(-1)?.detail).toBe(`step-${MAX_TIMELINE_STEPS + 19}`);
    expect(stored?.timelineDropped).toBe(21);
  });

  it('lists the rollbacks of an environment since a time, newest first, from the sparse index', async () => {
    const history = await createTestHistory();
    const records = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded'], ['1.3', 'succeeded']]);
    await seed(history, 'staging', [['1.3', 'succeeded']]);
    const windowStart = history.clock.now();
    await claim(history, records[1]!.deploymentId, 'run-old');
    history.clock.advance(MINUTE);
    await claim(history, records[2]!.deploymentId, 'run-mid');
    history.clock.advance(MINUTE);
    await claim(history, records[3]!.deploymentId, 'run-new');
    await claim(history, `staging-0-1.3`, 'run-staging');

    const all = await history.deployments.listRollbacksSince('production', windowStart);
    const recent = await history.deployments.listRollbacksSince('production', new Date(windowStart.getTime() + 30_000));

    expect(all.map((record) => record.rollback?.runId)).toEqual(['run-new', 'run-mid', 'run-old']);
    expect(recent.map((record) => record.rollback?.runId)).toEqual(['run-new', 'run-mid']);
  });

  it('finds only unfinished runs for the reconciler, drills in their own partition of the index', async () => {
    const history = await createTestHistory();
    const [finished, open] = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded']]);
    const done = await claim(history, finished!.deploymentId, 'done-run');
    const doneRef = refOf(finished!.deploymentId, 'done-run');
    await history.runs.release(doneRef, journalOf(await history.runs.complete(doneRef, completion, journalOf(done.outcome === 'claimed' ? done.deployment : undefined))));
    await claim(history, open!.deploymentId, 'open-run');
    await history.runs.startDrill({ runId: 'drill-1', invocationId: 'i-d', environment: 'production', from: open!, trigger: { type: 'drill' }, leaseSeconds: 60, claimStep: claimStep('drill-1'), retentionSeconds: 3_600 });
    const since = new Date('2026-11-01T00:00:00.000Z');

    expect((await history.runs.findOpenRuns('production', since)).map((record) => record.deploymentId)).toEqual([open!.deploymentId]);
    expect((await history.runs.findOpenRuns(drillPartition('production'), since)).map((record) => record.deploymentId)).toEqual(['drill-production-drill-1']);
    expect((await history.deployments.listRollbacksSince('production', since)).map((record) => record.deploymentId).sort()).toEqual([finished!.deploymentId, open!.deploymentId].sort());
  });
});

describe('a bad version\'s full-scope decision (one per storm)', () => {
  const open = (history: Awaited<ReturnType<typeof createTestHistory>>, runId: string) =>
    history.runs.openScopeDecision({ version: '1.4.1', runId, deploymentId: `d-${runId}`, decidingSeconds: 60, validSeconds: 300 });

  it('goes to one of 20 concurrent runs; the others are told which run decides; the decider\'s own resume decides again', async () => {
    const history = await createTestHistory();

    const openings = await Promise.all(Array.from({ length: 20 }, (_, index) => open(history, `r${index}`)));

    const deciders = openings.flatMap((opening, index) => (opening.decide ? [`r${index}`] : []));
    expect(deciders).toHaveLength(1);
    expect(openings.filter((opening) => !opening.decide)).toEqual(Array(19).fill({ decide: false, decidedBy: { runId: deciders[0], deploymentId: `d-${deciders[0]}`, since: '2026-11-01T12:00:00.000Z' } }));
    expect(await open(history, deciders[0]!)).toEqual({ decide: true });
  });

  it('passes to another run when its decider stopped short of journaling it, holds once it did, and lapses after its window', async () => {
    const history = await createTestHistory();
    await open(history, 'first');
    history.clock.set('2026-11-01T12:01:00.000Z');
    // A minute without the decision being marked taken: the decider stopped; the next run takes it over.
    expect(await open(history, 'second')).toEqual({ decide: true });
    await history.runs.closeScopeDecision({ version: '1.4.1', runId: 'second' });
    // The first, resumed late, cannot mark the decision its own any more.
    await history.runs.closeScopeDecision({ version: '1.4.1', runId: 'first' });
    history.clock.set('2026-11-01T12:05:59.000Z');
    expect(await open(history, 'third')).toMatchObject({ decide: false, decidedBy: { runId: 'second' } });
    history.clock.set('2026-11-01T12:06:00.000Z');
    expect(await open(history, 'third')).toEqual({ decide: true });
    // Another version has its own decision.
    expect(await history.runs.openScopeDecision({ version: '1.4.2', runId: 'fourth', deploymentId: 'd-fourth', decidingSeconds: 60, validSeconds: 300 })).toEqual({ decide: true });
  });
});

describe('notices', () => {
  it('lets the first of 20 concurrent callers announce within a window, and the next after it', async () => {
    const history = await createTestHistory();
    const until = new Date('2026-11-01T12:10:00.000Z');

    const first = await Promise.all(Array.from({ length: 20 }, () => history.notices.isFirstNotice('production#cooldown#d-1', until)));
    history.clock.set('2026-11-01T12:10:00.000Z');
    const after = await history.notices.isFirstNotice('production#cooldown#d-1', new Date('2026-11-01T12:20:00.000Z'));

    expect(first.filter(Boolean)).toHaveLength(1);
    expect(after).toBe(true);
    expect(await history.notices.isFirstNotice('production#cooldown#d-2', until)).toBe(true);
  });
});

describe('listing history', () => {
  async function seededHistory() {
    const history = await createTestHistory();
    const statuses: RecordDeploymentInput['status'][] = ['succeeded', 'failed', 'succeeded', 'in_progress', 'succeeded', 'failed', 'succeeded'];
    const records = await seed(history, 'production', statuses.map((status, index) => [`1.${index}`, status]));
    await seed(history, 'staging', [['9.0', 'succeeded']]);
    return { history, records };
  }

  it('returns an environment newest first, page by page, with an opaque cursor and no repeats', async () => {
    const { history, records } = await seededHistory();

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await history.deployments.listHistory({ environment: 'production', limit: 3, cursor });
      seen.push(...page.items.map((item) => item.version));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(seen).toEqual(records.map((record) => record.version).reverse());
    expect(pages).toBe(3);
  });

  it('filters by status across pages and still fills each page', async () => {
    const { history } = await seededHistory();

    const first = await history.deployments.listHistory({ environment: 'production', status: 'succeeded', limit: 2 });
    const second = await history.deployments.listHistory({ environment: 'production', status: 'succeeded', limit: 2, cursor: first.nextCursor });

    expect(first.items.map((item) => item.version)).toEqual(['1.6', '1.4']);
    expect(second.items.map((item) => item.version)).toEqual(['1.2', '1.0']);
  });

  it('reads whole pages for a status filter: a status no record has, among 300, costs one Query, not one per 21 items', async () => {
    const history = await createTestHistory();
    await seed(history, 'production', Array.from({ length: 300 }, (_, index): [string, RecordDeploymentInput['status']] => [`2.${index}`, 'succeeded']));
    const queries: unknown[] = [];
    history.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') queries.push((args.input as { Limit?: number }).Limit);
        return next(args);
      },
      { step: 'initialize', name: 'countQueries' },
    );

    const none = await history.deployments.listHistory({ environment: 'production', status: 'rollback_failed', limit: 20 });
    const some = await history.deployments.listHistory({ environment: 'production', status: 'succeeded', limit: 20 });

    expect(none).toEqual({ items: [] });
    expect(some.items).toHaveLength(20);
    expect(some.nextCursor).toBeDefined();
    // One whole-page read each (no Limit: a filter applies after it).
    expect(queries).toEqual([undefined, undefined]);
  });

  it('filters by a time range on the start time', async () => {
    const { history, records } = await seededHistory();

    const page = await history.deployments.listHistory({
      environment: 'production',
      since: new Date(records[2]!.startedAt),
      until: new Date(records[4]!.startedAt),
      limit: 20,
    });

    expect(page.items.map((item) => item.version)).toEqual(['1.4', '1.3', '1.2']);
    expect(page.nextCursor).toBeUndefined();
  });

  it('rejects a cursor that was tampered with or belongs to another environment', async () => {
    const { history } = await seededHistory();
    const page = await history.deployments.listHistory({ environment: 'production', limit: 2 });

    await expect(history.deployments.listHistory({ environment: 'staging', limit: 2, cursor: page.nextCursor })).rejects.toThrow(
      /pages environment "production", not "staging"/,
    );
    await expect(history.deployments.listHistory({ environment: 'production', limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });
});

it('names the missing table instead of failing with a bare ResourceNotFoundException', async () => {
  const store = new DynamoDeploymentHistory({ client: createDocumentClient(localClientConfig()), tableName: 'no-such-table', clock: new ManualClock() });

  await expect(store.getDeployment('x')).rejects.toBeInstanceOf(HistoryTableMissingError);
  await expect(store.findRollbackPair(environment('production'))).rejects.toThrow(/"no-such-table" does not exist/);
});

describe('environment controls (pauses and resumes)', () => {
  it('lands every one of concurrent pauses and resumes, in order, each a conditional write', async () => {
    const history = await createTestHistory();
    const until = new Date('2026-11-24T12:00:00.000Z');

    await Promise.all(Array.from({ length: 8 }, (_, index) => history.controls.pause({ environment: 'production', by: `person-${index}`, reason: `reason ${index}`, until })));
    const { wasPaused } = await history.controls.resume({ environment: 'production', by: 'ben' });
    const control = await history.controls.read('production');

    expect(control.events).toHaveLength(9);
    expect(control.events[0]).toMatchObject({ action: 'resume', by: 'ben' });
    expect(new Set(control.events.slice(1).map((event) => event.by)).size).toBe(8);
    expect(control.pause).toBeUndefined();
    expect(wasPaused).toBe(true);
  });

  it('keeps the newest 20 events and never shows up in an environment’s history', async () => {
    const history = await createTestHistory();
    for (let index = 0; index < 23; index += 1) await history.controls.resume({ environment: 'production', by: `person-${index}` });

    expect((await history.controls.read('production')).events.map((event) => event.by)).toEqual(Array.from({ length: 20 }, (_, index) => `person-${22 - index}`));
    expect((await history.deployments.listHistory({ environment: 'production', limit: 10 })).items).toEqual([]);
  });
});

describe('the environment head: pause and rollback ledger, read with the pair', () => {
  /** Claims, then completes, as a run does: each step puts the run's entry on the ledger; the restore puts `restored` live. */
  async function rollBack(history: History, deploymentId: string, runId: string, restored?: DeploymentRecord) {
    const claimed = await claim(history, deploymentId, runId);
    if (claimed.outcome !== 'claimed') throw new Error(`test setup: ${deploymentId} not claimed`);
    await history.controls.noteRollback(claimed.deployment, { asClaimed: true });
    history.clock.advance(MINUTE);
    if (restored) {
      await history.controls.noteLive(restored.environment, { deploymentId: restored.deploymentId, version: restored.version, since: history.clock.now().toISOString(), cause: 'restored', targets: ['lambda-alias'], replaced: deploymentId, runId, level: 'stage' });
    }
    const completed = await history.runs.complete(refOf(deploymentId, runId), completion, journalOf(claimed.deployment));
    await history.controls.noteRollback(completed);
    await history.runs.release(refOf(deploymentId, runId), journalOf(completed));
    return completed;
  }

  it('comes first in the one Query that finds the pair, and never in the history, the pair or the recorder’s reads', async () => {
    const history = await createTestHistory();
    const records = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded']]);
    await history.controls.pause({ environment: 'production', by: 'ana', reason: 'incident 42', until: new Date('2026-11-02T00:00:00.000Z') });
    await rollBack(history, records[2]!.deploymentId, 'run-1', records[1]);

    const view = await history.deployments.readEnvironment(environment('production'));
    const listed = await history.deployments.listHistory({ environment: 'production', limit: 10 });

    expect(view.pair.activeDeployment?.version).toBe('1.1');
    expect(view.pair.lastKnownGood?.version).toBe('1.0');
    expect(view.head?.control.pause).toMatchObject({ by: 'ana', reason: 'incident 42' });
    expect(view.head?.rollbacks).toEqual([
      { deploymentId: records[2]!.deploymentId, runId: 'run-1', startedAt: '2026-11-01T12:03:00.000Z', finishedAt: '2026-11-01T12:04:00.000Z', trigger: 'alarm' },
    ]);
    expect(listed.items.map((record) => record.version)).toEqual(['1.2', '1.1', '1.0']);
    expect(await history.deployments.findRollbackPair(environment('production'))).toEqual(view.pair);
    expect((await history.deployments.readEnvironment(environment('staging'))).head).toBeUndefined();
  });

  it('keeps the ledger through pauses and resumes, and the pause through ledger writes', async () => {
    const history = await createTestHistory();
    const records = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded']]);
    await rollBack(history, records[1]!.deploymentId, 'run-1');
    await history.controls.pause({ environment: 'production', by: 'ana', reason: 'incident 42', until: new Date('2026-11-02T00:00:00.000Z') });
    await history.controls.resume({ environment: 'production', by: 'ben' });
    await history.controls.pause({ environment: 'production', by: 'cy', reason: 'incident 43', until: new Date('2026-11-02T00:00:00.000Z') });
    await history.controls.noteRollback((await history.deployments.getDeployment(records[1]!.deploymentId))!);

    const head = await history.controls.readHead('production');

    expect(head?.rollbacks.map((entry) => entry.runId)).toEqual(['run-1']);
    expect(head?.control.pause?.by).toBe('cy');
    expect(head?.control.events.map((event) => event.by)).toEqual(['cy', 'ben', 'ana']);
  });

  it('never lets a late claim-time write undo the finished entry, and drops entries older than asked', async () => {
    const history = await createTestHistory();
    const records = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded']]);
    await history.controls.fillLedger('production', new Date('2026-11-01T00:00:00.000Z'), []);
    const first = await rollBack(history, records[1]!.deploymentId, 'run-1');
    await history.controls.noteRollback(first, { asClaimed: true });
    history.clock.advance(2 * 24 * 60 * MINUTE);
    const later = await claim(history, records[2]!.deploymentId, 'run-2');
    if (later.outcome !== 'claimed') throw new Error('test setup: not claimed');

    const finishedFirst = (await history.controls.readHead('production'))!;
    await history.controls.noteRollback(later.deployment, { asClaimed: true, prune: { head: finishedFirst, before: new Date('2026-11-02T12:00:00.000Z') } });
    const pruned = (await history.controls.readHead('production'))!;

    expect(finishedFirst.rollbacks[0]).toMatchObject({ runId: 'run-1', finishedAt: '2026-11-01T12:04:00.000Z' });
    expect(pruned.rollbacks.map((entry) => entry.runId)).toEqual(['run-2']);
    // Dropping entries narrows what the ledger answers for: older windows read the index again.
    expect(pruned.coversSince).toBe('2026-11-02T12:00:00.000Z');
  });

  it('is filled from the rollbacks index, keeping entries runs wrote, and never narrowed by a later filling', async () => {
    const history = await createTestHistory();
    const records = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded']]);
    const since = new Date('2026-11-01T00:00:00.000Z');
    // A rollback from before the ledger existed: on its record only.
    await claim(history, records[1]!.deploymentId, 'run-before-the-ledger');
    history.clock.advance(MINUTE);
    const noted = await rollBack(history, records[2]!.deploymentId, 'run-noted');

    await history.controls.fillLedger('production', since, await history.deployments.listRollbacksSince('production', since));
    await history.controls.fillLedger('production', new Date('2026-11-01T06:00:00.000Z'), []);
    const head = (await history.controls.readHead('production'))!;

    expect(head.coversSince).toBe(since.toISOString());
    expect(head.rollbacks.map((entry) => entry.runId)).toEqual(['run-noted', 'run-before-the-ledger']);
    expect(head.rollbacks[0]!.finishedAt).toBe(noted.rollback!.finishedAt);
  });
});

describe('a local table from an earlier release', () => {
  it('is refused when opened, naming the index it lacks, and nothing is written to it', async () => {
    const raw = new DynamoDBClient(localClientConfig());
    const tableName = `history-old-${randomUUID()}`;
    const current = historyTableDefinition(tableName);
    await raw.send(
      new CreateTableCommand({
        ...current,
        AttributeDefinitions: current.AttributeDefinitions!.filter((attribute) => !attribute.AttributeName!.startsWith('reconcile')),
        GlobalSecondaryIndexes: current.GlobalSecondaryIndexes!.filter((index) => index.IndexName !== 'reconcileQueue'),
      }),
    );

    await expect(ensureHistoryTable(raw, tableName)).rejects.toThrow(`table ${tableName} has no index reconcileQueue: it was made by an earlier release (a local history: \`rollbackctl local reset\`, or name another table)`);
    raw.destroy();
  });
});
