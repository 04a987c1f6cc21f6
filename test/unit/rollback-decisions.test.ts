import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config';
import type { DeploymentRecord, TimelineStep } from '../../shared/history/deployment-record';
import { guardWindowStart, planRollback, type PlanInput } from '../../shared/rollback/rollback-plan';
import { nextAction, progressFromTimeline, type RunMode } from '../../shared/rollback/run-progress';
import { validationBudgetMs } from '../../shared/rollback/validation-scope';

const policy = parseConfig({ application: 'shop', environments: [{ name: 'production', alarms: { prefixes: ['p-'] }, pipeline: { name: 'p', stage: 's' } }] }).policy;

function deployment(id: string, version: string, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return { deploymentId: id, kind: 'deployment', environment: 'production', version, status: 'succeeded', startedAt: '2026-11-23T08:00:00.000Z', updatedAt: '2026-11-23T08:00:00.000Z', source: 'test', ...extra };
}

function rollbackOf(id: string, startedAt: string, type: 'alarm' | 'manual' = 'alarm', finishedAt?: string): DeploymentRecord {
  return deployment(id, `0.${id}`, {
    status: 'rolled_back',
    rollbackEnvironment: 'production',
    rollbackStartedAt: startedAt,
    rollback: { runId: `run-${id}`, previousStatus: 'succeeded', trigger: { type }, startedAt, finishedAt },
  });
}

const active = deployment('d-2', '2.0');
const lastGood = deployment('d-1', '1.0');
const base: PlanInput = {
  environment: 'production',
  pair: { activeDeployment: active, lastKnownGood: lastGood },
  recentRollbacks: [],
  policy,
  now: new Date('2026-11-23T10:00:00.000Z'),
  isAutomatic: true,
  alarmFiredAt: '2026-11-23T09:59:00.000Z',
  runId: 'run-now',
};

describe('planRollback', () => {
  it.each<[string, Partial<PlanInput>, Record<string, unknown>]>([
    ['proceeds with the active deployment and its last known good', {}, { decision: 'proceed', deployment: active, target: lastGood }],
    ['skips when nothing is active', { pair: {} }, { decision: 'skip', skip: 'no_active_deployment', severity: 'warning' }],
    ['escalates when there is no known good', { pair: { activeDeployment: active } }, { decision: 'skip', skip: 'no_known_good', severity: 'critical' }],
    ['escalates instead of retrying a failed rollback', { pair: { activeDeployment: { ...active, status: 'rollback_failed' }, lastKnownGood: lastGood } }, { decision: 'skip', skip: 'needs_human' }],
    ['answers duplicate from the read while another run holds a live lease', { pair: { activeDeployment: { ...active, status: 'rolling_back', rollback: { runId: 'other', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:59:50.000Z', leaseExpiresAt: '2026-11-23T10:10:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'duplicate', reason: 'run other is already rolling back d-2' }],
    ['goes on to claim (and take over) when that lease has expired', { pair: { activeDeployment: { ...active, status: 'rolling_back', rollback: { runId: 'other', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:00:00.000Z', leaseExpiresAt: '2026-11-23T09:15:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'proceed' }],
    ['answers duplicate for an alarm older than the last rollback', { recentRollbacks: [rollbackOf('x', '2026-11-23T09:59:30.000Z')] }, { decision: 'duplicate', deploymentId: 'x' }],
    ['skips in cooldown, counted from when the last rollback finished', { recentRollbacks: [rollbackOf('x', '2026-11-23T09:40:00.000Z', 'alarm', '2026-11-23T09:55:00.000Z')] }, { decision: 'skip', skip: 'cooldown', until: '2026-11-23T10:05:00.000Z' }],
    ['proceeds once the cooldown is over', { recentRollbacks: [rollbackOf('x', '2026-11-23T09:40:00.000Z', 'alarm', '2026-11-23T09:45:00.000Z')] }, { decision: 'proceed' }],
    ['stops at the hourly limit of automatic rollbacks', { recentRollbacks: ['09:30', '09:20', '09:10'].map((time, index) => rollbackOf(`r${index}`, `2026-11-23T${time}:00.000Z`)) }, { decision: 'skip', skip: 'rate_limited', severity: 'critical' }],
    ['does not count manual rollbacks toward the hourly limit', { recentRollbacks: ['09:30', '09:20', '09:10'].map((time, index) => rollbackOf(`r${index}`, `2026-11-23T${time}:00.000Z`, index === 0 ? 'manual' : 'alarm')) }, { decision: 'proceed' }],
    ['ignores the active deployment\'s own claim (a retry resuming)', { recentRollbacks: [rollbackOf('d-2', '2026-11-23T09:59:30.000Z')] }, { decision: 'proceed' }],
    ['lets a person bypass cooldown', { isAutomatic: false, alarmFiredAt: undefined, recentRollbacks: [rollbackOf('x', '2026-11-23T09:59:30.000Z')] }, { decision: 'proceed' }],
    ['restores a requested older version', { isAutomatic: false, targetVersion: '0.5', pair: { activeDeployment: active, lastKnownGood: lastGood, requestedTarget: deployment('d-0', '0.5') } }, { decision: 'proceed', target: { version: '0.5' } }],
    ['hands a retried request that already rolled back another deployment back to that run\'s outcome', { isAutomatic: false, alarmFiredAt: undefined, recentRollbacks: [{ ...rollbackOf('x', '2026-11-23T07:00:00.000Z', 'manual'), rollback: { ...rollbackOf('x', '2026-11-23T07:00:00.000Z').rollback!, runId: 'run-now' } }] }, { decision: 'finished_by_this_run', deployment: { deploymentId: 'x' } }],
    ['answers a retry with its own outcome even when no known good is left', { pair: { activeDeployment: lastGood }, recentRollbacks: [{ ...rollbackOf('x', '2026-11-23T09:00:00.000Z'), rollback: { ...rollbackOf('x', '2026-11-23T09:00:00.000Z').rollback!, runId: 'run-now' } }] }, { decision: 'finished_by_this_run', deployment: { deploymentId: 'x' } }],
    ['answers a retry of its own failed rollback with that outcome, not a new escalation', { pair: { activeDeployment: { ...active, status: 'rollback_failed', rollback: { runId: 'run-now', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:50:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'finished_by_this_run', deployment: { deploymentId: 'd-2' } }],
    ['rejects a requested version not in history', { isAutomatic: false, targetVersion: '0.4' }, { decision: 'reject' }],
    ['rejects rolling back to the version already running', { isAutomatic: false, targetVersion: '2.0' }, { decision: 'reject', reason: 'production is already running version 2.0' }],
  ])('%s', (_, change, expected) => {
    expect(planRollback({ ...base, ...change })).toMatchObject(expected);
  });
});

function step(name: string, outcome: TimelineStep['outcome'], detail = name): TimelineStep {
  return { at: '2026-11-23T10:00:00.000Z', step: name, outcome, durationMs: 1, detail };
}

describe('the run state machine', () => {
  it.each<[string, RunMode, TimelineStep[], Record<string, unknown>]>([
    ['starts with the stage rollback', 'automatic', [step('claim', 'info')], { action: 'stage-rollback' }],
    ['validates a stage that rolled back', 'automatic', [step('stage-rollback', 'ok')], { action: 'validate', level: 'stage' }],
    ['completes at stage level when valid', 'automatic', [step('stage-rollback', 'ok'), step('stage-validation', 'ok')], { action: 'complete', outcome: 'rolled_back', level: 'stage' }],
    ['goes full when the stage rollback failed', 'automatic', [step('stage-rollback', 'failed')], { action: 'full-rollback' }],
    ['goes full when the stage did not validate', 'automatic', [step('stage-rollback', 'ok'), step('stage-validation', 'failed')], { action: 'full-rollback' }],
    ['validates the full rollback', 'automatic', [step('stage-rollback', 'failed'), step('full-rollback', 'ok')], { action: 'validate', level: 'full' }],
    ['completes at full level when valid', 'automatic', [step('stage-rollback', 'failed'), step('full-rollback', 'ok'), step('full-validation', 'ok')], { action: 'complete', outcome: 'rolled_back', level: 'full' }],
    ['fails when the full rollback does not validate', 'automatic', [step('stage-rollback', 'failed'), step('full-rollback', 'ok'), step('full-validation', 'failed')], { action: 'complete', outcome: 'rollback_failed', level: 'full' }],
    ['fails when the full rollback itself fails', 'drill', [step('stage-rollback', 'failed'), step('full-rollback', 'failed')], { action: 'complete', outcome: 'rollback_failed', level: 'full' }],
    ['never widens a manual request', 'manual', [step('stage-rollback', 'ok'), step('stage-validation', 'failed')], { action: 'complete', outcome: 'rollback_failed', level: 'manual' }],
    ['completes a manual request at level manual', 'manual', [step('stage-rollback', 'ok'), step('stage-validation', 'ok')], { action: 'complete', outcome: 'rolled_back', level: 'manual' }],
    ['resumes after a crash from the journal (resume steps are info)', 'automatic', [step('claim', 'info'), step('stage-rollback', 'ok'), step('resume', 'info')], { action: 'validate', level: 'stage' }],
  ])('%s', (_, mode, timeline, expected) => {
    expect(nextAction(progressFromTimeline(timeline), mode)).toMatchObject(expected);
  });

  it('says why a failed run failed, level by level', () => {
    const action = nextAction(
      progressFromTimeline([step('stage-rollback', 'ok'), step('stage-validation', 'failed', 'alarm A in ALARM'), step('full-rollback', 'failed', 'UpdateAlias denied')]),
      'automatic',
    );
    expect(action).toEqual({ action: 'complete', outcome: 'rollback_failed', level: 'full', reason: 'stage validation failed: alarm A in ALARM; full rollback failed: UpdateAlias denied' });
  });
});

describe('guard window', () => {
  it('reads a day back (EventBridge redelivers for up to 24 h), or back to an older alarm', () => {
    expect(guardWindowStart(policy, new Date('2026-11-23T10:00:00.000Z')).toISOString()).toBe('2026-11-22T10:00:00.000Z');
    expect(guardWindowStart(policy, new Date('2026-11-23T10:00:00.000Z'), '2026-11-21T00:00:00.000Z').toISOString()).toBe('2026-11-21T00:00:00.000Z');
  });
});

describe('validation budget', () => {
  it.each([
    ['the configured timeout when time is plentiful', 900_000, 2, 300_000],
    ['half of what is left (less the completion reserve) before a stage validation', 415_000, 2, 200_000],
    ['all that is left (less the reserve) for the last validation', 215_000, 1, 200_000],
  ])('is %s', (_, remaining, validationsLeft, expected) => {
    expect(validationBudgetMs(policy, remaining, validationsLeft)).toBe(expected);
  });
});
