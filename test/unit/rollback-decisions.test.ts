import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { rollbackEntryOf, type RollbackEntry } from '../../shared/history/environment-head';
import { boundTimeline, MAX_TIMELINE_STEPS, type EnvironmentRestore, type JournalStep, type RunMode, type TargetRestore } from '../../shared/history/run-journal';
import { judgeGate, type GateInput } from '../../shared/rollback/deployment-gate';
import { describeRestores, judgeEnvironmentRestore } from '../../shared/rollback/restore-verdict';
import { guardWindowStart, planRollback, skipNoticeFor, type PlanInput } from '../../shared/rollback/rollback-plan';
import { nextAction, runStateFrom } from '../../shared/rollback/run-state';
import { minimumValidationMs, validationBudgetMs } from '../../shared/rollback/validation-scope';

const policy = parseConfig({ application: 'shop', environments: [{ name: 'production', alarms: { prefixes: ['p-'] }, targets: [{ type: 'codepipeline-stage', pipeline: 'p', stage: 's' }] }] }).policy;

function deployment(id: string, version: string, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return { deploymentId: id, kind: 'deployment', environment: 'production', version, status: 'succeeded', startedAt: '2026-11-23T08:00:00.000Z', updatedAt: '2026-11-23T08:00:00.000Z', source: 'test', ...extra };
}

function rolledBack(id: string, startedAt: string, type: 'alarm' | 'manual' = 'alarm', finishedAt?: string, runId = `run-${id}`): DeploymentRecord {
  return deployment(id, `0.${id}`, {
    status: 'rolled_back',
    rollbackEnvironment: 'production',
    rollbackStartedAt: startedAt,
    rollback: { runId, mode: type === 'alarm' ? 'automatic' : 'manual', previousStatus: 'succeeded', trigger: { type }, startedAt, finishedAt },
  });
}

/** The ledger entry of a rollback, as the guards read it. */
function rollbackOf(id: string, startedAt: string, type: 'alarm' | 'manual' = 'alarm', finishedAt?: string): RollbackEntry {
  return rollbackEntryOf(rolledBack(id, startedAt, type, finishedAt))!;
}

const active = deployment('d-2', '2.0');
const lastGood = deployment('d-1', '1.0');
const base: PlanInput = {
  environment: 'production',
  pair: { activeDeployment: active, lastKnownGood: lastGood },
  recentRollbacks: [],
  policy,
  now: new Date('2026-11-23T10:00:00.000Z'),
  mode: 'automatic',
  alarmFiredAt: '2026-11-23T09:59:00.000Z',
  runId: 'run-now',
};

describe('planRollback', () => {
  it.each<[string, Partial<PlanInput>, Record<string, unknown>]>([
    ['proceeds with the active deployment and its last known good', {}, { decision: 'proceed', deployment: active, target: lastGood }],
    ['skips when nothing is active', { pair: {} }, { decision: 'skip', skip: 'no_active_deployment', severity: 'warning' }],
    ['escalates when there is no known good', { pair: { activeDeployment: active } }, { decision: 'skip', skip: 'no_known_good', severity: 'critical' }],
    ['escalates instead of retrying a failed rollback', { pair: { activeDeployment: { ...active, status: 'rollback_failed' }, lastKnownGood: lastGood } }, { decision: 'skip', skip: 'needs_human' }],
    ['answers duplicate from the read while another run holds a live lease', { pair: { activeDeployment: { ...active, status: 'rolling_back', rollback: { runId: 'other', mode: 'automatic', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:59:50.000Z', leaseExpiresAt: '2026-11-23T10:10:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'duplicate', reason: 'run other is already rolling back d-2 (lease until 2026-11-23T10:10:00.000Z)' }],
    ['resumes that run from its journal when its lease has expired', { pair: { activeDeployment: { ...active, status: 'rolling_back', rollback: { runId: 'other', mode: 'automatic', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:00:00.000Z', leaseExpiresAt: '2026-11-23T09:15:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'resume', deployment: { deploymentId: 'd-2' } }],
    ['never takes over another environment\'s record in a full rollback: that run drives it', { pair: { activeDeployment: { ...active, status: 'rolling_back', rollback: { runId: 'other', mode: 'automatic', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:00:00.000Z', leaseExpiresAt: '2026-11-23T09:15:00.000Z', partOf: 'prod-9' } }, lastKnownGood: lastGood } }, { decision: 'duplicate', reason: 'd-2 is part of the full rollback by run other (journaled on prod-9)' }],
    ['answers a copy of this very event while another invocation drives it', { pair: { activeDeployment: { ...active, status: 'rolling_back', rollback: { runId: 'run-now', mode: 'automatic', holder: 'invocation-1', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:59:50.000Z', leaseExpiresAt: '2026-11-23T10:10:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'duplicate', reason: 'invocation invocation-1 is already rolling back d-2 (lease until 2026-11-23T10:10:00.000Z)' }],
    ['resumes this very run once a handover released its lease', { pair: { activeDeployment: { ...active, status: 'rolling_back', rollback: { runId: 'run-now', mode: 'automatic', holder: 'invocation-1', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:59:50.000Z', leaseExpiresAt: '2026-11-23T10:00:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'resume' }],
    ['lets a person roll back after automation failed', { mode: 'manual', alarmFiredAt: undefined, pair: { activeDeployment: { ...active, status: 'rollback_failed', rollback: { runId: 'auto', mode: 'automatic', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:50:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'proceed', target: lastGood }],
    ['lets a drill rehearse while another run holds the deployment', { mode: 'drill', alarmFiredAt: undefined, pair: { activeDeployment: { ...active, status: 'rolling_back', rollback: { runId: 'other', mode: 'automatic', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:59:50.000Z', leaseExpiresAt: '2026-11-23T10:10:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'proceed' }],
    ['answers duplicate for an alarm older than the last rollback', { recentRollbacks: [rollbackOf('x', '2026-11-23T09:59:30.000Z')] }, { decision: 'duplicate', deploymentId: 'x' }],
    ['skips in cooldown, counted from when the last rollback finished', { recentRollbacks: [rollbackOf('x', '2026-11-23T09:40:00.000Z', 'alarm', '2026-11-23T09:55:00.000Z')] }, { decision: 'skip', skip: 'cooldown', until: '2026-11-23T10:05:00.000Z' }],
    ['proceeds once the cooldown is over', { recentRollbacks: [rollbackOf('x', '2026-11-23T09:40:00.000Z', 'alarm', '2026-11-23T09:45:00.000Z')] }, { decision: 'proceed' }],
    ['stops at the hourly limit of automatic rollbacks, until the oldest of them is an hour old', { recentRollbacks: ['09:30', '09:20', '09:10'].map((time, index) => rollbackOf(`r${index}`, `2026-11-23T${time}:00.000Z`)) }, { decision: 'skip', skip: 'rate_limited', severity: 'critical', until: '2026-11-23T10:10:00.000Z' }],
    ['escalates the rollback that reaches the hourly limit as it starts: the last one automation may take', { recentRollbacks: ['09:30', '09:20'].map((time, index) => rollbackOf(`r${index}`, `2026-11-23T${time}:00.000Z`)) }, { decision: 'proceed', limitNotice: 'rollback 3 of 3 allowed per hour in production: automation stops after this one until a person looks' }],
    ['does not count manual rollbacks toward the hourly limit', { recentRollbacks: ['09:30', '09:20', '09:10'].map((time, index) => rollbackOf(`r${index}`, `2026-11-23T${time}:00.000Z`, index === 0 ? 'manual' : 'alarm')) }, { decision: 'proceed' }],
    ['ignores the active deployment\'s own claim (a retry resuming)', { recentRollbacks: [rollbackOf('d-2', '2026-11-23T09:59:30.000Z')] }, { decision: 'proceed' }],
    ['lets a person bypass cooldown', { mode: 'manual', alarmFiredAt: undefined, recentRollbacks: [rollbackOf('x', '2026-11-23T09:59:30.000Z')] }, { decision: 'proceed' }],
    ['restores a requested older version', { mode: 'manual', targetVersion: '0.5', pair: { activeDeployment: active, lastKnownGood: lastGood, requestedTarget: deployment('d-0', '0.5') } }, { decision: 'proceed', target: { version: '0.5' } }],
    ['hands a retried request that already rolled back another deployment back to that run\'s outcome', { mode: 'manual', alarmFiredAt: undefined, ownRecord: rolledBack('x', '2026-11-23T07:00:00.000Z', 'manual', undefined, 'run-now') }, { decision: 'answer', deployment: { deploymentId: 'x' } }],
    ['answers a retry with its own outcome even when no known good is left', { pair: { activeDeployment: lastGood }, ownRecord: rolledBack('x', '2026-11-23T09:00:00.000Z', 'alarm', undefined, 'run-now') }, { decision: 'answer', deployment: { deploymentId: 'x' } }],
    ['answers a retry of its own failed rollback with that outcome, not a new escalation', { pair: { activeDeployment: { ...active, status: 'rollback_failed', rollback: { runId: 'run-now', mode: 'automatic', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-23T09:50:00.000Z' } }, lastKnownGood: lastGood } }, { decision: 'answer', deployment: { deploymentId: 'd-2' } }],
    ['escalates instead of rolling back past a deployment recorded irreversible', { pair: { activeDeployment: { ...active, irreversible: 'drops orders.legacy' }, lastKnownGood: lastGood, irreversibleSinceKnownGood: { ...active, irreversible: 'drops orders.legacy' } } }, { decision: 'skip', skip: 'irreversible', severity: 'critical', reason: expect.stringContaining('would go back past d-2 (2.0), recorded irreversible: drops orders.legacy. Automation will not') }],
    ['refuses a person past an irreversible deployment without --force, saying how', { mode: 'manual', alarmFiredAt: undefined, pair: { activeDeployment: active, lastKnownGood: lastGood, irreversibleSinceKnownGood: { ...active, irreversible: 'drops orders.legacy' } } }, { decision: 'reject', reason: expect.stringContaining('rollbackctl rollback --env production --force') }],
    ['lets a person roll back past it with --force', { mode: 'manual', alarmFiredAt: undefined, force: true, pair: { activeDeployment: active, lastKnownGood: lastGood, irreversibleSinceKnownGood: { ...active, irreversible: 'drops orders.legacy' } } }, { decision: 'proceed', target: lastGood }],
    ['never lets --force carry automation past it', { force: true, pair: { activeDeployment: active, lastKnownGood: lastGood, irreversibleSinceKnownGood: { ...active, irreversible: 'x' } } }, { decision: 'skip', skip: 'irreversible' }],
    ['judges a requested target by what lies before it', { mode: 'manual', alarmFiredAt: undefined, targetVersion: '0.5', pair: { activeDeployment: active, lastKnownGood: lastGood, requestedTarget: deployment('d-0', '0.5'), irreversibleSinceRequested: { ...lastGood, irreversible: 'x' } } }, { decision: 'reject', reason: expect.stringContaining('past d-1 (1.0)') }],
    ['rejects a requested version not in history', { mode: 'manual', targetVersion: '0.4' }, { decision: 'reject' }],
    ['rejects rolling back to the version already running', { mode: 'manual', targetVersion: '2.0' }, { decision: 'reject', reason: 'production is already running version 2.0' }],
  ])('%s', (_, change, expected) => {
    expect(planRollback({ ...base, ...change })).toMatchObject(expected);
  });

  it.each<[string, Partial<PlanInput>]>([
    ['a rollback below the limit', { recentRollbacks: [rollbackOf('r0', '2026-11-23T09:30:00.000Z')] }],
    ['a person\'s rollback, whatever the automatic count', { mode: 'manual', alarmFiredAt: undefined, recentRollbacks: ['09:30', '09:20'].map((time, index) => rollbackOf(`r${index}`, `2026-11-23T${time}:00.000Z`)) }],
  ])('does not escalate %s', (_, change) => {
    const plan = planRollback({ ...base, ...change });
    expect(plan.decision).toBe('proceed');
    expect(plan).not.toHaveProperty('limitNotice');
  });
});

const RUN = 'run-1';
const at = '2026-11-23T10:00:00.000Z';
const claim: JournalStep = {
  step: 'claim',
  at,
  runId: RUN,
  outcome: 'info',
  durationMs: 0,
  detail: 'claimed',
  facts: { invocationId: 'i-1', mode: 'automatic', environment: 'production', fromDeploymentId: 'd-2', fromVersion: '2.0', toDeploymentId: 'd-1', toVersion: '1.0', reason: 'alarm' },
};
const restoredIn = (environment: string, verdict: EnvironmentRestore['verdict'] = 'restored'): EnvironmentRestore => ({
  environment,
  fromDeploymentId: `${environment}-bad`,
  toDeploymentId: `${environment}-good`,
  toVersion: '1.0',
  verdict,
  targets: [],
});
function restore(level: 'stage' | 'full', verdict: EnvironmentRestore['verdict'], detail = `${level} rollback`): JournalStep {
  return { step: `${level}-rollback`, at, runId: RUN, outcome: verdict === 'failed' ? 'failed' : 'ok', durationMs: 1, detail, facts: { environments: [restoredIn('production', verdict)] } } as JournalStep;
}
function validation(level: 'stage' | 'full', passed: boolean, detail = `${level} validation`): JournalStep {
  return { step: `${level}-validation`, at, runId: RUN, outcome: passed ? 'ok' : 'failed', durationMs: 1, detail, facts: { passed, rounds: 3 } } as JournalStep;
}
const scope: JournalStep = { step: 'full-scope', at, runId: RUN, outcome: 'info', durationMs: 1, detail: 'full', facts: { entries: [], left: [] } };
const resume = (attempt: number): JournalStep => ({ step: 'resume', at, runId: RUN, outcome: 'info', durationMs: 0, detail: 'resumed', facts: { invocationId: `i-${attempt}`, attempt } });
const handover: JournalStep = { step: 'handover', at, runId: RUN, outcome: 'warning', durationMs: 0, detail: 'validator unavailable: ThrottlingException', facts: { cause: 'validator_unavailable', resumeAfter: at } };
const complete: JournalStep = { step: 'complete', at, runId: RUN, outcome: 'ok', durationMs: 1, detail: 'done', facts: { outcome: 'rolled_back', level: 'stage', reason: 'valid', deploymentIds: ['d-2'] } };
const notified = (delivery: 'published' | 'failed'): JournalStep => ({ step: 'notify', at, runId: RUN, outcome: delivery === 'failed' ? 'failed' : 'ok', durationMs: 1, detail: 'notified', facts: { type: 'rollback_result', severity: 'warning', delivery } });
const withMode = (mode: RunMode): JournalStep => ({ ...claim, facts: { ...(claim as Extract<JournalStep, { step: 'claim' }>).facts, mode } }) as JournalStep;
const limits = { maxAttempts: 3 };

describe('the run state machine', () => {
  it.each<[string, RunMode, JournalStep[], Record<string, unknown>]>([
    ['starts with the stage rollback', 'automatic', [], { action: 'restore', level: 'stage' }],
    ['validates a stage that rolled back', 'automatic', [restore('stage', 'restored')], { action: 'validate', level: 'stage' }],
    ['validates a stage restored with a warning (a later target refused after the alias moved)', 'automatic', [restore('stage', 'restored_with_warnings')], { action: 'validate', level: 'stage' }],
    ['completes at stage level when valid', 'automatic', [restore('stage', 'restored'), validation('stage', true)], { action: 'complete', outcome: 'rolled_back', level: 'stage' }],
    ['plans the full scope when the stage rollback failed', 'automatic', [restore('stage', 'failed')], { action: 'plan-full-scope' }],
    ['plans the full scope when the stage did not validate', 'automatic', [restore('stage', 'restored'), validation('stage', false)], { action: 'plan-full-scope' }],
    ['restores the full scope once it is journaled', 'automatic', [restore('stage', 'failed'), scope], { action: 'restore', level: 'full' }],
    ['validates the full rollback', 'automatic', [restore('stage', 'failed'), scope, restore('full', 'restored')], { action: 'validate', level: 'full' }],
    ['completes at full level when valid', 'automatic', [restore('stage', 'failed'), scope, restore('full', 'restored'), validation('full', true)], { action: 'complete', outcome: 'rolled_back', level: 'full' }],
    ['fails when the full rollback does not validate', 'automatic', [restore('stage', 'failed'), scope, restore('full', 'restored'), validation('full', false)], { action: 'complete', outcome: 'rollback_failed', level: 'full' }],
    ['fails when the full rollback itself fails', 'drill', [restore('stage', 'failed'), scope, restore('full', 'failed')], { action: 'complete', outcome: 'rollback_failed', level: 'full' }],
    ['never widens a manual request', 'manual', [restore('stage', 'restored'), validation('stage', false)], { action: 'complete', outcome: 'rollback_failed', level: 'manual' }],
    ['completes a manual request at level manual', 'manual', [restore('stage', 'restored'), validation('stage', true)], { action: 'complete', outcome: 'rolled_back', level: 'manual' }],
    ['resumes after a crash from the journal', 'automatic', [restore('stage', 'restored'), resume(2)], { action: 'validate', level: 'stage' }],
    ['validates again after a handover (a handover is no verdict)', 'automatic', [restore('stage', 'restored'), handover, resume(2)], { action: 'validate', level: 'stage' }],
    ['gives up after its attempts, saying why, at the level it reached', 'automatic', [restore('stage', 'restored'), handover, resume(2), handover, resume(3), handover, resume(4)], { action: 'complete', outcome: 'rollback_failed', level: 'stage', reason: 'gave up after 3 attempts: validator unavailable: ThrottlingException' }],
    ['announces a completed run', 'automatic', [restore('stage', 'restored'), validation('stage', true), complete], { action: 'notify' }],
    ['announces again when nobody could be told', 'automatic', [restore('stage', 'restored'), validation('stage', true), complete, notified('failed')], { action: 'notify' }],
    ['finishes once announced', 'automatic', [restore('stage', 'restored'), validation('stage', true), complete, notified('published')], { action: 'finish' }],
    ['finishes unannounced after its attempts to announce', 'automatic', [complete, notified('failed'), notified('failed'), notified('failed')], { action: 'finish' }],
  ])('%s', (_, mode, steps, expected) => {
    expect(nextAction(runStateFrom([withMode(mode), ...steps], RUN), limits)).toMatchObject(expected);
  });

  it('says why a failed run failed, level by level', () => {
    const action = nextAction(
      runStateFrom([claim, restore('stage', 'restored'), validation('stage', false, 'alarm A in ALARM'), scope, restore('full', 'failed', 'UpdateAlias denied')], RUN),
      limits,
    );
    expect(action).toEqual({ action: 'complete', outcome: 'rollback_failed', level: 'full', reason: 'stage validation failed: alarm A in ALARM; full rollback failed: UpdateAlias denied' });
  });

  it('reads only its own run from a journal other runs wrote to', () => {
    const earlierRun = [{ ...claim, runId: 'run-0' }, { ...restore('stage', 'restored'), runId: 'run-0' }, { ...validation('stage', false), runId: 'run-0' }] as JournalStep[];
    expect(nextAction(runStateFrom([...earlierRun, withMode('manual')], RUN), limits)).toEqual({ action: 'restore', level: 'stage' });
  });
});

describe('the bounded journal', () => {
  it('keeps the first steps, every claim, and the newest steps, counting what it dropped', () => {
    const note = (index: number): JournalStep => ({ ...handover, detail: `note ${index}` });
    const laterClaim = { ...claim, runId: 'run-2' } as JournalStep;
    const steps = [claim, ...Array.from({ length: 60 }, (_, index) => note(index)), laterClaim, ...Array.from({ length: 60 }, (_, index) => note(60 + index))];

    const { timeline, dropped } = boundTimeline(steps, 3);

    expect(timeline).toHaveLength(MAX_TIMELINE_STEPS);
    expect(dropped).toBe(3 + steps.length - MAX_TIMELINE_STEPS);
    expect(timeline.slice(0, 10)).toEqual(steps.slice(0, 10));
    expect(timeline).toContain(laterClaim);
    expect(timeline.at(-1)).toEqual(steps.at(-1));
  });
});

describe('skip notices', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['a cooldown is announced once until it lifts', { skip: 'cooldown', until: '2026-11-23T10:05:00.000Z', deploymentId: 'd-2' }, 'production#cooldown#d-2', '2026-11-23T10:05:00.000Z'],
    ['the hourly limit once until a slot frees', { skip: 'rate_limited', until: '2026-11-23T10:40:00.000Z', deploymentId: 'd-2' }, 'production#rate_limited#d-2', '2026-11-23T10:40:00.000Z'],
    ['nothing to roll back once per cooldown length', { skip: 'no_active_deployment' }, 'production#no_active_deployment#-', '2026-11-23T10:10:00.000Z'],
  ])('%s', (_, plan, key, until) => {
    const notice = skipNoticeFor({ decision: 'skip', reason: 'r', severity: 'warning', ...plan } as never, 'production', policy, new Date('2026-11-23T10:00:00.000Z'));
    expect(notice).toEqual({ key, until: new Date(until) });
  });
});

describe('guard window', () => {
  it('reads a day back (EventBridge redelivers for up to 24 h), or back to an older alarm', () => {
    expect(guardWindowStart(policy, new Date('2026-11-23T10:00:00.000Z')).toISOString()).toBe('2026-11-22T10:00:00.000Z');
    expect(guardWindowStart(policy, new Date('2026-11-23T10:00:00.000Z'), '2026-11-21T00:00:00.000Z').toISOString()).toBe('2026-11-21T00:00:00.000Z');
  });
});

describe('validation budget', () => {
  it('needs at least the consecutive passing rounds to validate at all', () => {
    expect(minimumValidationMs(policy)).toBe(30_000);
  });

  it.each([
    ['the configured timeout when time is plentiful', 900_000, 2, 300_000],
    ['half of what is left (less the completion reserve) before a stage validation', 415_000, 2, 200_000],
    ['all that is left (less the reserve) for the last validation', 215_000, 1, 200_000],
  ])('is %s', (_, remaining, validationsLeft, expected) => {
    expect(validationBudgetMs(policy, remaining, validationsLeft)).toBe(expected);
  });
});

describe('restore verdicts', () => {
  const target = (type: string, outcome: TargetRestore['outcome'], detail: string, movesTraffic = true): TargetRestore => ({ target: type, outcome, detail, movesTraffic, expectations: [] });
  const restore = (targets: TargetRestore[]): EnvironmentRestore => ({
    environment: 'staging',
    fromDeploymentId: 'bad',
    toDeploymentId: 'good',
    toVersion: '1.3.0',
    verdict: judgeEnvironmentRestore(targets),
    targets,
  });

  it('says which configured target was left alone because the known good recorded nothing for it', () => {
    const environment = restore([target('lambda-alias', 'restored', 'alias live: api 2->1'), target('route53-weighted', 'not_applicable', 'good recorded no Route 53 weighted records restore point')]);

    expect(environment.verdict).toBe('restored');
    expect(describeRestores([environment])).toBe('staging: alias live: api 2->1; not restored: good recorded no Route 53 weighted records restore point');
  });

  it('a traffic target that failed fails the environment; another target’s refusal after traffic moved is a warning', () => {
    expect(judgeEnvironmentRestore([target('lambda-alias', 'failed', 'denied'), target('codepipeline-stage', 'restored', 'ok', false)])).toBe('failed');
    expect(judgeEnvironmentRestore([target('lambda-alias', 'restored', 'ok'), target('codepipeline-stage', 'failed', 'refused', false)])).toBe('restored_with_warnings');
    expect(judgeEnvironmentRestore([target('route53-weighted', 'not_applicable', 'nothing recorded')])).toBe('failed');
  });
});

describe('the deployment gate', () => {
  const environment = parseConfig({ application: 'shop', environments: [{ name: 'production', alarms: { prefixes: ['p-'] }, targets: [{ type: 'codepipeline-stage', pipeline: 'p', stage: 's' }] }] }).environments[0]!;
  const now = new Date('2026-11-23T10:00:00.000Z');
  const gate = (extra: Partial<GateInput>) => judgeGate({ environment, policy, active, recentRollbacks: [], now, ...extra });

  it.each([
    ['a rollback is running', { active: deployment('d-2', '2.0', { status: 'rolling_back' }) }, ['production is rolling back d-2 (2.0) now']],
    ['the last rollback failed', { active: deployment('d-2', '2.0', { status: 'rollback_failed' }) }, [expect.stringMatching(/^the rollback of d-2 \(2\.0\) failed: a person must settle production first/)]],
    ['a rollback finished inside the cooldown', { recentRollbacks: [rollbackOf('r-1', '2026-11-23T09:50:00.000Z', 'alarm', '2026-11-23T09:52:00.000Z')] }, ['production is in its 10-minute cooldown after rolling back r-1, until 2026-11-23T10:02:00.000Z']],
    ['a person paused automation', { control: { environment: 'production', events: [], pause: { by: 'ana', reason: 'incident 42', at: '2026-11-23T09:00:00.000Z', until: '2026-11-23T11:00:00.000Z' } } }, [expect.stringContaining('paused by ana')]],
    ['the configuration pauses it', { environment: { ...environment, mode: 'paused' as const } }, [expect.stringContaining('paused by its configuration')]],
  ])('is closed while %s, saying why', (_, extra, reasons) => {
    expect(gate(extra)).toEqual({ open: false, reasons });
  });

  it('is open once the cooldown lapsed and nothing else holds it, and says every reason when several do', () => {
    expect(gate({ recentRollbacks: [rollbackOf('r-1', '2026-11-23T09:40:00.000Z', 'alarm', '2026-11-23T09:45:00.000Z')] })).toEqual({
      open: true,
      reason: 'production is settled: no rollback running or failed, no cooldown, automation acting',
    });
    expect(gate({ active: deployment('d-2', '2.0', { status: 'rolling_back' }), recentRollbacks: [rollbackOf('d-2', '2026-11-23T09:59:00.000Z')] })).toMatchObject({ open: false, reasons: [expect.any(String), expect.any(String)] });
  });
});
