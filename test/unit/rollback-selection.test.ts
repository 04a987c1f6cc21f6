import { describe, expect, it } from 'vitest';
import type { DeploymentRecord, DeploymentStatus } from '../../shared/history/deployment-record';
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

describe('selectRollbackPair (newest first)', () => {
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
    const pair = selectRollbackPair(records);

    expect(pair.activeDeployment?.version).toBe(active);
    expect(pair.lastKnownGood?.version).toBe(lastGood);
  });

  const irreversible = (version: string, status: DeploymentStatus = 'succeeded') => ({ ...record(version, status), irreversible: `migration in ${version}` });
  it.each<[string, DeploymentRecord[], string | undefined, string | undefined, string | undefined]>([
    ['the active deployment itself', [irreversible('3'), record('2', 'succeeded')], undefined, '3', undefined],
    ['one between the active and the known good', [record('4', 'succeeded'), record('4', 'failed'), irreversible('4', 'failed'), record('2', 'succeeded')], undefined, '4', undefined],
    ['none when the irreversible one is the known good itself', [record('3', 'succeeded'), irreversible('2'), record('1', 'succeeded')], undefined, undefined, undefined],
    ['only for the older requested target when it lies beyond one', [record('4', 'succeeded'), record('3', 'succeeded'), irreversible('2'), record('1', 'succeeded')], '1', undefined, '2'],
    ['never for a newer failed deployment that moved nothing', [irreversible('5', 'failed'), record('4', 'succeeded'), record('3', 'succeeded')], '3', undefined, undefined],
  ])('finds the irreversible deployment a restore would go back past: %s', (_, records, targetVersion, sinceKnownGood, sinceRequested) => {
    const pair = selectRollbackPair(records, targetVersion);

    expect(pair.irreversibleSinceKnownGood?.version).toBe(sinceKnownGood);
    expect(pair.irreversibleSinceRequested?.version).toBe(sinceRequested);
  });

  it('finds a requested version and says the search is settled only once it is found', () => {
    const records = [record('3', 'succeeded'), record('2', 'succeeded'), record('1', 'succeeded')];

    const partial = selectRollbackPair(records.slice(0, 2), '1');
    const full = selectRollbackPair(records, '1');

    expect(isSettled(partial, '1')).toBe(false);
    expect(full.requestedTarget?.version).toBe('1');
    expect(isSettled(full, '1')).toBe(true);
    expect(isSettled(selectRollbackPair(records.slice(0, 2)))).toBe(true);
  });
});
