import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import type { DeploymentRecord, TimelineStep } from '../../shared/history/deployment-record';
import { MAX_TIMELINE_STEPS } from '../../shared/history/deployment-record';
import { DynamoHistoryStore } from '../../shared/history/dynamo-history-store';
import {
  ClaimLostError,
  DeploymentConflictError,
  HistoryTableMissingError,
  InvalidCursorError,
} from '../../shared/history/history-errors';
import type { RecordDeploymentInput } from '../../shared/history/history-store';
import { ManualClock } from '../../shared/time/clock';
import { createTestHistory, localClientConfig } from '../helpers/history-table';

type History = Awaited<ReturnType<typeof createTestHistory>>;

const MINUTE = 60_000;
const alarmTrigger = { type: 'alarm', alarmName: 'demo-shop-prod-5xx' } as const;

/** Records deployments one minute apart, oldest first, in the given environment. */
async function seed(history: History, environment: string, specs: readonly [string, RecordDeploymentInput['status']][]) {
  const records: DeploymentRecord[] = [];
  for (const [index, [version, status]] of specs.entries()) {
    history.clock.advance(MINUTE);
    const result = await history.store.recordDeployment({
      deploymentId: `${environment}-${index}-${version}`,
      environment,
      version,
      status,
      source: 'test',
    });
    records.push(result.deployment);
  }
  return records;
}

async function claim(history: History, deploymentId: string, runId: string, leaseSeconds = 60) {
  const observed = await history.store.getDeployment(deploymentId);
  if (!observed) throw new Error(`test setup: ${deploymentId} missing`);
  return history.store.claimForRollback({ observed, runId, trigger: alarmTrigger, leaseSeconds });
}

function step(name: string): TimelineStep {
  return { at: '2026-11-01T12:00:00.000Z', step: name, outcome: 'ok', durationMs: 5 };
}

describe('recording deployments', () => {
  it('creates a deployment once and leaves it unchanged when the same start is recorded again', async () => {
    const history = await createTestHistory();
    const input = { deploymentId: 'exec-1', environment: 'production', version: '1.4.0', status: 'in_progress', source: 'codepipeline' } as const;

    const first = await history.store.recordDeployment(input);
    history.clock.advance(MINUTE);
    const second = await history.store.recordDeployment(input);

    expect(first.outcome).toBe('created');
    expect(second.outcome).toBe('unchanged');
    expect(await history.store.getDeployment('exec-1')).toEqual(first.deployment);
  });

  it('moves an in_progress deployment to succeeded, keeping its start time and adding the alias versions', async () => {
    const history = await createTestHistory();
    await history.store.recordDeployment({ deploymentId: 'exec-2', environment: 'production', version: '1.5.0', status: 'in_progress', source: 'cli' });
    history.clock.advance(5 * MINUTE);

    const result = await history.store.recordDeployment({
      deploymentId: 'exec-2',
      environment: 'production',
      version: '1.5.0',
      status: 'succeeded',
      source: 'cli',
      lambdaVersions: { 'demo-shop-prod-api': '42' },
    });

    expect(result.outcome).toBe('updated');
    const stored = await history.store.getDeployment('exec-2');
    expect(stored).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-11-01T12:00:00.000Z',
      finishedAt: '2026-11-01T12:05:00.000Z',
      lambdaVersions: { 'demo-shop-prod-api': '42' },
    });
    expect(result.deployment).toEqual(stored);
  });

  it('accepts a SUCCEEDED that arrives before its STARTED, and the late STARTED changes nothing', async () => {
    const history = await createTestHistory();
    const base = { deploymentId: 'exec-3', environment: 'staging', version: '2.0.0', source: 'codepipeline' } as const;

    const finished = await history.store.recordDeployment({ ...base, status: 'succeeded' });
    const lateStart = await history.store.recordDeployment({ ...base, status: 'in_progress' });

    expect(finished.outcome).toBe('created');
    expect(lateStart.outcome).toBe('unchanged');
    expect((await history.store.getDeployment('exec-3'))?.status).toBe('succeeded');
  });

  it('does not let a late status overwrite a deployment that is being or was rolled back', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['3.0.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'run-1');

    const { deploymentId, environment, version } = deployment!;
    const late = await history.store.recordDeployment({ deploymentId, environment, version, status: 'failed', source: 'test' });

    expect(late.outcome).toBe('unchanged');
    expect((await history.store.getDeployment(deployment!.deploymentId))?.status).toBe('rolling_back');
  });

  it('refuses to reuse a deployment id for another environment or version, writing nothing', async () => {
    const history = await createTestHistory();
    await history.store.recordDeployment({ deploymentId: 'exec-4', environment: 'test', version: '1.0.0', status: 'in_progress', source: 'cli' });

    await expect(
      history.store.recordDeployment({ deploymentId: 'exec-4', environment: 'production', version: '1.0.0', status: 'succeeded', source: 'cli' }),
    ).rejects.toBeInstanceOf(DeploymentConflictError);
    await expect(
      history.store.recordDeployment({ deploymentId: 'exec-4', environment: 'test', version: '9.9.9', status: 'in_progress', source: 'cli' }),
    ).rejects.toThrow(/already recorded for environment "test" version "1.0.0"/);
    expect(await history.store.getDeployment('exec-4')).toMatchObject({ environment: 'test', version: '1.0.0', status: 'in_progress' });
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

    const pair = await history.store.findRollbackPair('production');

    expect(pair.activeDeployment?.version).toBe(active);
    expect(pair.lastKnownGood?.version).toBe(lastGood);
  });

  it('after a rollback, the restored version is active again and the rolled-back one is skipped', async () => {
    const history = await createTestHistory();
    const [, , bad] = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded']]);
    await claim(history, bad!.deploymentId, 'run-1');
    await history.store.completeRollback({ deploymentId: bad!.deploymentId, runId: 'run-1', outcome: 'rolled_back', level: 'stage', reason: 'alarm' });

    const pair = await history.store.findRollbackPair('production');

    expect(pair.activeDeployment?.version).toBe('1.1');
    expect(pair.lastKnownGood?.version).toBe('1.0');
  });

  it('pages the one Query past a run of failed deployments, and ignores other environments', async () => {
    const history = await createTestHistory({ pairPageSize: 3 });
    await seed(history, 'production', [['1.0', 'succeeded'], ...Array.from({ length: 8 }, (_, i) => [`1.1-rc${i}`, 'failed'] as [string, 'failed']), ['1.1', 'succeeded']]);
    await seed(history, 'staging', [['9.0', 'succeeded'], ['9.1', 'succeeded']]);

    const pair = await history.store.findRollbackPair('production');

    expect(pair.activeDeployment?.version).toBe('1.1');
    expect(pair.lastKnownGood?.version).toBe('1.0');
  });

  it('finds a requested target version further back than the last known good', async () => {
    const history = await createTestHistory();
    await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded'], ['1.2', 'succeeded'], ['1.3', 'succeeded']]);

    const pair = await history.store.findRollbackPair('production', { targetVersion: '1.0' });

    expect(pair.lastKnownGood?.version).toBe('1.2');
    expect(pair.requestedTarget?.version).toBe('1.0');
    expect((await history.store.findRollbackPair('production', { targetVersion: '0.9' })).requestedTarget).toBeUndefined();
  });
});

describe('claiming a deployment for rollback', () => {
  it('lets exactly one of 50 concurrent claimants win; the rest are told who holds it', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        history.store.claimForRollback({ observed: deployment!, runId: `run-${index}`, trigger: alarmTrigger, leaseSeconds: 60 }),
      ),
    );

    const winners = results.filter((result) => result.outcome === 'claimed');
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    expect(results.filter((result) => result.outcome === 'already_claimed')).toHaveLength(49);
    for (const result of results) {
      if (result.outcome === 'already_claimed') expect(result.holderRunId).toBe(winner.deployment.rollback?.runId);
    }
    expect(await history.store.getDeployment(deployment!.deploymentId)).toMatchObject({
      status: 'rolling_back',
      rollbackEnvironment: 'production',
      rollbackStartedAt: '2026-11-01T12:01:00.000Z',
      rollback: { runId: winner.deployment.rollback?.runId, previousStatus: 'succeeded', leaseExpiresAt: '2026-11-01T12:02:00.000Z', trigger: alarmTrigger },
    });
  });

  it('lets the same run resume its own claim before the lease expires', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'run-a');
    history.clock.advance(10_000);

    const again = await claim(history, deployment!.deploymentId, 'run-a');

    expect(again).toMatchObject({ outcome: 'claimed', resumed: true });
    expect(again.outcome === 'claimed' && again.takenOverFrom).toBeFalsy();
  });

  it('takes over an expired lease exactly once when 50 runs try together', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'crashed-run', 60);
    history.clock.advance(61_000);
    const observed = (await history.store.getDeployment(deployment!.deploymentId))!;

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        history.store.claimForRollback({ observed, runId: `retry-${index}`, trigger: alarmTrigger, leaseSeconds: 60 }),
      ),
    );

    const winners = results.filter((result) => result.outcome === 'claimed');
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ resumed: true, takenOverFrom: 'crashed-run' });
    const stored = await history.store.getDeployment(deployment!.deploymentId);
    expect(stored?.rollback).toMatchObject({ takenOverFrom: 'crashed-run', previousStatus: 'succeeded' });
  });

  it('answers already_claimed while another run holds a live lease', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'holder', 60);
    history.clock.advance(30_000);

    const result = await claim(history, deployment!.deploymentId, 'latecomer');

    expect(result).toMatchObject({ outcome: 'already_claimed', holderRunId: 'holder', leaseExpiresAt: '2026-11-01T12:02:00.000Z' });
  });

  it('re-decides from the true state when the record changed after it was read', async () => {
    const history = await createTestHistory();
    const started = await history.store.recordDeployment({ deploymentId: 'exec-9', environment: 'production', version: '2.0', status: 'in_progress', source: 'cli' });
    await history.store.recordDeployment({ deploymentId: 'exec-9', environment: 'production', version: '2.0', status: 'succeeded', source: 'cli' });

    const result = await history.store.claimForRollback({ observed: started.deployment, runId: 'run-x', trigger: alarmTrigger, leaseSeconds: 60 });

    expect(result).toMatchObject({ outcome: 'claimed', deployment: { rollback: { previousStatus: 'succeeded' } } });
  });

  it('will not claim a rolled-back deployment or one that does not exist', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'run-1');
    await history.store.completeRollback({ deploymentId: deployment!.deploymentId, runId: 'run-1', outcome: 'rolled_back', level: 'stage', reason: 'alarm' });

    expect((await claim(history, deployment!.deploymentId, 'run-2')).outcome).toBe('not_claimable');
    const ghost = { ...deployment!, deploymentId: 'never-recorded' };
    expect(await history.store.claimForRollback({ observed: ghost, runId: 'run-3', trigger: alarmTrigger, leaseSeconds: 60 })).toEqual({
      outcome: 'not_found',
      deploymentId: 'never-recorded',
    });
  });
});

describe('completing a rollback and its timeline', () => {
  it('records outcome, level, reason and target, and releases the lease', async () => {
    const history = await createTestHistory();
    const [good, bad] = await seed(history, 'production', [['1.0', 'succeeded'], ['1.1', 'succeeded']]);
    await claim(history, bad!.deploymentId, 'run-1');
    history.clock.advance(42_000);

    const completed = await history.store.completeRollback({
      deploymentId: bad!.deploymentId,
      runId: 'run-1',
      outcome: 'rolled_back',
      level: 'stage',
      reason: 'alarm demo-shop-prod-5xx',
      targetDeploymentId: good!.deploymentId,
      targetVersion: '1.0',
    });

    expect(completed.status).toBe('rolled_back');
    expect(completed.rollback).toEqual({
      runId: 'run-1',
      previousStatus: 'succeeded',
      trigger: alarmTrigger,
      startedAt: '2026-11-01T12:02:00.000Z',
      finishedAt: '2026-11-01T12:02:42.000Z',
      level: 'stage',
      reason: 'alarm demo-shop-prod-5xx',
      targetDeploymentId: good!.deploymentId,
      targetVersion: '1.0',
    });
  });

  it('refuses completion and timeline writes from a run that lost the claim', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'slow-run', 60);
    history.clock.advance(61_000);
    await claim(history, deployment!.deploymentId, 'new-run', 60);

    await expect(history.store.appendTimeline(deployment!.deploymentId, 'slow-run', [step('late')])).rejects.toBeInstanceOf(ClaimLostError);
    await expect(
      history.store.completeRollback({ deploymentId: deployment!.deploymentId, runId: 'slow-run', outcome: 'rolled_back', level: 'stage', reason: 'x' }),
    ).rejects.toThrow(/no longer holds the rollback claim .* \(held by new-run\)/);
    expect((await history.store.getDeployment(deployment!.deploymentId))?.status).toBe('rolling_back');
  });

  it('keeps the timeline in order up to its bound and counts the steps beyond it', async () => {
    const history = await createTestHistory();
    const [deployment] = await seed(history, 'production', [['1.0', 'succeeded']]);
    await claim(history, deployment!.deploymentId, 'run-1');

    await history.store.appendTimeline(deployment!.deploymentId, 'run-1', [step('claim'), step('stage-rollback')]);
    for (let index = 0; index < MAX_TIMELINE_STEPS; index += 1) {
      await history.store.appendTimeline(deployment!.deploymentId, 'run-1', [step(`poll-${index}`)]);
    }

    const stored = await history.store.getDeployment(deployment!.deploymentId);
    expect(stored?.timeline).toHaveLength(MAX_TIMELINE_STEPS);
    expect(stored?.timeline?.slice(0, 3).map((entry) => entry.step)).toEqual(['claim', 'stage-rollback', 'poll-0']);
    expect(stored?.timelineDropped).toBe(2);
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

    const all = await history.store.listRollbacksSince('production', windowStart);
    const recent = await history.store.listRollbacksSince('production', new Date(windowStart.getTime() + 30_000));

    expect(all.map((record) => record.rollback?.runId)).toEqual(['run-new', 'run-mid', 'run-old']);
    expect(recent.map((record) => record.rollback?.runId)).toEqual(['run-new', 'run-mid']);
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
      const page = await history.store.listHistory({ environment: 'production', limit: 3, cursor });
      seen.push(...page.items.map((item) => item.version));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(seen).toEqual(records.map((record) => record.version).reverse());
    expect(pages).toBe(3);
  });

  it('filters by status across pages and still fills each page', async () => {
    const { history } = await seededHistory();

    const first = await history.store.listHistory({ environment: 'production', status: 'succeeded', limit: 2 });
    const second = await history.store.listHistory({ environment: 'production', status: 'succeeded', limit: 2, cursor: first.nextCursor });

    expect(first.items.map((item) => item.version)).toEqual(['1.6', '1.4']);
    expect(second.items.map((item) => item.version)).toEqual(['1.2', '1.0']);
  });

  it('filters by a time range on the start time', async () => {
    const { history, records } = await seededHistory();

    const page = await history.store.listHistory({
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
    const page = await history.store.listHistory({ environment: 'production', limit: 2 });

    await expect(history.store.listHistory({ environment: 'staging', limit: 2, cursor: page.nextCursor })).rejects.toThrow(
      /pages environment "production", not "staging"/,
    );
    await expect(history.store.listHistory({ environment: 'production', limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });
});

it('names the missing table instead of failing with a bare ResourceNotFoundException', async () => {
  const store = new DynamoHistoryStore({ client: createDocumentClient(localClientConfig()), tableName: 'no-such-table', clock: new ManualClock() });

  await expect(store.getDeployment('x')).rejects.toBeInstanceOf(HistoryTableMissingError);
  await expect(store.findRollbackPair('production')).rejects.toThrow(/"no-such-table" does not exist/);
});
