import { describe, expect, it } from 'vitest';
import type { DeploymentRecord, DeploymentStatus } from '../../shared/history/deployment-record';
import { nextLiveState, type LiveState } from '../../shared/history/live-state';
import { isSettled, selectRollbackPair } from '../../shared/history/rollback-selection';

function record(version: string, status: DeploymentStatus, kind: DeploymentRecord['kind'] = 'deployment'): DeploymentRecord {
  return {
    deploymentId: `${kind}-${version}-${status}`,
    kind,
    environment: 'production',
    version,
    status,
    startedAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    source: 'test',
  };
}

/** Without a kept live state and with no targets to cover: the statuses decide (a table from before the upgrade). */
const inferred = (records: DeploymentRecord[], targetVersion?: string) => selectRollbackPair({ records, targets: [], ...(targetVersion ? { targetVersion } : {}) });

describe('selectRollbackPair without a kept live state (inferred from statuses, newest first)', () => {
  it.each<[string, DeploymentRecord[], string | undefined, string | undefined]>([
    ['succeeded over succeeded', [record('3', 'succeeded'), record('2', 'succeeded')], '3', '2'],
    ['in_progress is the active one', [record('3', 'in_progress'), record('2', 'succeeded')], '3', '2'],
    ['a deployment being rolled back stays active', [record('3', 'rolling_back'), record('2', 'succeeded')], '3', '2'],
    ['a failed rollback leaves the bad version active', [record('3', 'rollback_failed'), record('2', 'succeeded')], '3', '2'],
    ['failed and rolled_back are skipped for active', [record('4', 'failed'), record('3', 'rolled_back'), record('2', 'succeeded'), record('1', 'succeeded')], '2', '1'],
    ['failed is never a last known good', [record('3', 'succeeded'), record('2', 'failed'), record('1', 'succeeded')], '3', '1'],
    ['in_progress is never a last known good', [record('3', 'succeeded'), record('2', 'in_progress'), record('1', 'succeeded')], '3', '1'],
    ['the same version is never its own rollback target', [record('3', 'succeeded'), record('3', 'succeeded'), record('2', 'succeeded')], '3', '2'],
    ['a stuck rollback deployed over is no longer live', [record('5', 'rolled_back'), record('4', 'rollback_failed'), record('3', 'succeeded'), record('2', 'succeeded')], '3', '2'],
    ['a stuck rollback under only failed attempts is still live', [record('5', 'failed'), record('4', 'rollback_failed'), record('3', 'succeeded')], '4', '3'],
    ['a rollback in progress under a newer deployment is not the active one', [record('5', 'succeeded'), record('4', 'rolling_back'), record('3', 'succeeded')], '5', '3'],
    ['drill records are neither', [record('9', 'rolled_back', 'drill'), record('3', 'succeeded'), record('8', 'succeeded', 'drill'), record('2', 'succeeded')], '3', '2'],
    ['a failed deployment that moved traffic is live (CI moved the alias, then its tests failed)', [{ ...record('4', 'failed'), restorePoints: { 'lambda-alias': { versions: { api: '43' } } } }, record('3', 'succeeded'), record('2', 'succeeded')], '4', '3'],
    ['a failed deployment that recorded only its pipeline execution moved no traffic', [{ ...record('4', 'failed'), restorePoints: { 'codepipeline-stage': { executionId: 'e-4' } } }, record('3', 'succeeded'), record('2', 'succeeded')], '3', '2'],
    ['a failed deployment that moved traffic is never a last known good', [record('5', 'succeeded'), { ...record('4', 'failed'), restorePoints: { 'lambda-alias': { versions: { api: '43' } } } }, record('3', 'succeeded')], '5', '3'],
    ['a stuck rollback under a failed deployment that moved traffic is no longer live', [{ ...record('5', 'failed'), restorePoints: { 'lambda-alias': { versions: { api: '44' } } } }, record('4', 'rollback_failed'), record('3', 'succeeded')], '5', '3'],
    ['empty history', [], undefined, undefined],
  ])('%s', (_, records, active, lastGood) => {
    const pair = inferred(records);

    expect(pair.activeDeployment?.version).toBe(active);
    expect(pair.lastKnownGood?.version).toBe(lastGood);
    expect(pair.activeBy).toBe(active ? 'inferred' : undefined);
  });

  const irreversible = (version: string, status: DeploymentStatus = 'succeeded') => ({ ...record(version, status), irreversible: `migration in ${version}` });
  it.each<[string, DeploymentRecord[], string | undefined, string | undefined, string | undefined]>([
    ['the active deployment itself', [irreversible('3'), record('2', 'succeeded')], undefined, '3', undefined],
    ['one between the active and the known good', [record('4', 'succeeded'), record('4', 'failed'), irreversible('4', 'failed'), record('2', 'succeeded')], undefined, '4', undefined],
    ['none when the irreversible one is the known good itself', [record('3', 'succeeded'), irreversible('2'), record('1', 'succeeded')], undefined, undefined, undefined],
    ['only for the older requested target when it lies beyond one', [record('4', 'succeeded'), record('3', 'succeeded'), irreversible('2'), record('1', 'succeeded')], '1', undefined, '2'],
    // Its migration ran even though its traffic never moved: going back to 3 would not undo it.
    ['a newer failed deployment that moved no traffic, whatever its status', [irreversible('5', 'failed'), record('4', 'succeeded'), record('3', 'succeeded')], '3', '5', '5'],
  ])('finds the irreversible deployment a restore would go back past: %s', (_, records, targetVersion, sinceKnownGood, sinceRequested) => {
    const pair = inferred(records, targetVersion);

    expect(pair.irreversibleSinceKnownGood?.version).toBe(sinceKnownGood);
    expect(pair.irreversibleSinceRequested?.version).toBe(sinceRequested);
  });

  it('finds a requested version and says the search is settled only once it is found', () => {
    const records = [record('3', 'succeeded'), record('2', 'succeeded'), record('1', 'succeeded')];

    const partial = inferred(records.slice(0, 2), '1');
    const full = inferred(records, '1');

    expect(isSettled(partial, '1')).toBe(false);
    expect(full.requestedTarget?.version).toBe('1');
    expect(isSettled(full, '1')).toBe(true);
    expect(isSettled(inferred(records.slice(0, 2)))).toBe(true);
  });
});

/** A deployment at minute `minute` of the day that recorded the alias versions of api (and worker, unless `partial`). */
function deployed(id: string, version: string, status: DeploymentStatus, minute: number, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  const at = new Date(Date.parse('2026-11-20T00:00:00.000Z') + minute * 60_000).toISOString();
  return {
    deploymentId: id,
    kind: 'deployment',
    environment: 'production',
    version,
    status,
    startedAt: at,
    finishedAt: at,
    updatedAt: at,
    source: 'test',
    restorePoints: { 'lambda-alias': { versions: { api: String(minute), worker: String(minute) } } },
    ...extra,
  };
}
const targets = [{ type: 'lambda-alias', alias: 'live', functions: ['api', 'worker'] }];
const liveOn = (deploymentId: string, version: string, minute: number, extra: Partial<LiveState> = {}): LiveState => ({
  deploymentId,
  version,
  since: new Date(Date.parse('2026-11-20T00:00:00.000Z') + minute * 60_000).toISOString(),
  cause: 'deployed',
  targets: { 'lambda-alias': deploymentId },
  ...extra,
});

describe('selectRollbackPair with the live state the head keeps', () => {
  // 1.2.0 went live, 1.2.1 failed without moving traffic, 1.3.0 went live and was rolled back to 1.2.0.
  const afterRollback = [
    deployed('p-130', '1.3.0', 'rolled_back', 30),
    deployed('p-121', '1.2.1', 'failed', 21),
    deployed('p-120', '1.2.0', 'succeeded', 20),
    deployed('p-110', '1.1.0', 'succeeded', 10),
  ];
  const restored = liveOn('p-120', '1.2.0', 40, { cause: 'restored', replaced: 'p-130', runId: 'r-1', level: 'stage' });

  it('rolls back from what the last rollback restored, never a failed deployment it had replaced', () => {
    const pair = selectRollbackPair({ records: afterRollback, live: restored, targets });

    expect(pair).toMatchObject({ activeBy: 'live', activeDeployment: { deploymentId: 'p-120' }, lastKnownGood: { deploymentId: 'p-110' }, restoredOver: { deploymentId: 'p-130' } });
  });

  it('takes a person’s rollback to an older version as live: the newer versions above it are neither active nor known good', () => {
    const records = [deployed('p-140', '1.4.0', 'rolled_back', 40), deployed('p-130', '1.3.0', 'succeeded', 30), ...afterRollback.slice(2)];
    const pair = selectRollbackPair({ records, live: liveOn('p-120', '1.2.0', 50, { cause: 'restored', replaced: 'p-140', level: 'manual' }), targets });

    expect(pair.activeDeployment?.deploymentId).toBe('p-120');
    expect(pair.lastKnownGood?.deploymentId).toBe('p-110');
  });

  it('takes a deployment in progress over the live one as active (its traffic may be moving), the live one as known good', () => {
    const records = [deployed('p-140', '1.4.0', 'in_progress', 45, { restorePoints: undefined }), ...afterRollback];
    const pair = selectRollbackPair({ records, live: restored, targets });

    expect(pair).toMatchObject({ activeBy: 'deploying', activeDeployment: { deploymentId: 'p-140' }, lastKnownGood: { deploymentId: 'p-120' }, liveDeployment: { deploymentId: 'p-120' } });
  });

  it('never takes a stale in-progress record from before the live one went live', () => {
    const records = [deployed('p-115', '1.1.5', 'in_progress', 15, { restorePoints: undefined }), ...afterRollback];

    expect(selectRollbackPair({ records: records.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)), live: restored, targets }).activeDeployment?.deploymentId).toBe('p-120');
  });

  it('takes the deployment a run holds a lease on above the live one as active: its rollback is in flight', () => {
    const rollingBack = deployed('p-130', '1.3.0', 'rolling_back', 30, { rollback: { runId: 'r-1', mode: 'automatic', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-20T00:39:00.000Z', leaseExpiresAt: '2026-11-20T00:54:00.000Z' } });
    const pair = selectRollbackPair({ records: [rollingBack, ...afterRollback.slice(1)], live: restored, targets });

    expect(pair).toMatchObject({ activeBy: 'rolling_back', activeDeployment: { deploymentId: 'p-130' } });
  });

  it('passes over a known good whose restore points miss a configured target or function, saying why', () => {
    const partial = deployed('p-125', '1.2.5', 'succeeded', 25, { restorePoints: { 'lambda-alias': { versions: { api: '50' } } } });
    const records = [deployed('p-130', '1.3.0', 'succeeded', 30), partial, deployed('p-120', '1.2.0', 'succeeded', 20)];
    const pair = selectRollbackPair({ records, live: liveOn('p-130', '1.3.0', 30), targets: [...targets, { type: 's3-cloudfront' }] });
    const lambdaOnly = selectRollbackPair({ records, live: liveOn('p-130', '1.3.0', 30), targets });

    expect(pair.lastKnownGood).toBeUndefined();
    expect(pair.notRestorable?.map((passed) => [passed.deploymentId, passed.why])).toEqual([
      ['p-125', 'records no restore point for s3-cloudfront; lambda-alias: no version for worker (alias live serves api, worker)'],
      ['p-120', 'records no restore point for s3-cloudfront'],
    ]);
    expect(lambdaOnly.lastKnownGood?.deploymentId).toBe('p-120');
  });

  it('never picks an ECS task definition of another family or account as known good', () => {
    const ecs = [{ type: 'ecs-service', cluster: 'shop', service: 'web' }];
    const point = (taskDefinition: string) => ({ 'ecs-service': { taskDefinition } });
    const records = [
      deployed('p-130', '1.3.0', 'succeeded', 30, { restorePoints: point('arn:aws:ecs:eu-west-1:123456789012:task-definition/web:30') }),
      deployed('p-125', '1.2.5', 'succeeded', 25, { restorePoints: point('arn:aws:ecs:eu-west-1:999999999999:task-definition/web:25') }),
      deployed('p-122', '1.2.2', 'succeeded', 22, { restorePoints: point('admin-tools:1') }),
      deployed('p-120', '1.2.0', 'succeeded', 20, { restorePoints: point('web:20') }),
    ];
    const pair = selectRollbackPair({ records, live: liveOn('p-130', '1.3.0', 30), targets: ecs });

    expect(pair.lastKnownGood?.deploymentId).toBe('p-120');
    expect(pair.notRestorable?.map((passed) => passed.why)).toEqual([
      'ecs-service: task definition web:25 is in account 999999999999, not the service\'s (123456789012)',
      'ecs-service: task definition family admin-tools is not the family service shop/web runs (web)',
    ]);
  });

  it('reports an irreversible deployment newer than the live one, whose migration ran while its traffic never moved', () => {
    const migrated = deployed('p-131', '1.3.1', 'failed', 31, { irreversible: 'drops column orders.legacy_total', restorePoints: undefined });
    const pair = selectRollbackPair({ records: [migrated, deployed('p-130', '1.3.0', 'succeeded', 30), deployed('p-120', '1.2.0', 'succeeded', 20)], live: liveOn('p-130', '1.3.0', 30), targets });

    expect(pair.activeDeployment?.deploymentId).toBe('p-130');
    expect(pair.irreversibleSinceKnownGood?.deploymentId).toBe('p-131');
  });

  it('says so when the live deployment is not in the history', () => {
    const pair = selectRollbackPair({ records: afterRollback, live: liveOn('gone', '9.9.9', 50), targets });

    expect(pair.activeDeployment).toBeUndefined();
    expect(pair.liveMissing).toBe('gone');
  });
});

describe('nextLiveState', () => {
  const live = liveOn('p-130', '1.3.0', 30);

  it.each<[string, LiveState | undefined, Parameters<typeof nextLiveState>[1], Partial<LiveState> | undefined]>([
    ['a first deployment becomes live', undefined, { deploymentId: 'p-1', version: '1', since: live.since, cause: 'deployed', targets: ['lambda-alias'] }, { deploymentId: 'p-1', targets: { 'lambda-alias': 'p-1' } }],
    ['a newer event replaces it', live, { deploymentId: 'p-140', version: '1.4.0', since: '2026-11-20T00:40:00.000Z', cause: 'deployed', targets: ['lambda-alias'] }, { deploymentId: 'p-140' }],
    ['an older event (a late delivery) changes nothing', live, { deploymentId: 'p-120', version: '1.2.0', since: '2026-11-20T00:20:00.000Z', cause: 'deployed', targets: ['lambda-alias'] }, undefined],
    ['the same event again rewrites the same state', live, { deploymentId: 'p-130', version: '1.3.0', since: live.since, cause: 'deployed', targets: ['lambda-alias'] }, { deploymentId: 'p-130' }],
    ['a restore that failed moves only the targets it restored', live, { deploymentId: 'p-120', version: '1.2.0', since: '2026-11-20T00:41:00.000Z', cause: 'restored', targets: ['s3-cloudfront'], movesDeployment: false }, { deploymentId: 'p-130', targets: { 'lambda-alias': 'p-130', 's3-cloudfront': 'p-120' } }],
  ])('%s', (_, current, change, expected) => {
    const next = nextLiveState(current, change);

    if (expected === undefined) expect(next).toBeUndefined();
    else expect(next).toMatchObject(expected);
  });
});
