import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import type { ClaimFacts, EnvironmentRestore, StepOf, TargetRestore } from '../../shared/history/run-journal';
import { notificationFor, type NotificationContext } from '../../shared/notify/rollback-notification';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import type { RunState } from '../../shared/rollback/run-state';
import { validationRequestFor } from '../../shared/rollback/validation-scope';
import { validationRequestSchema } from '../../shared/validation/validation-contract';

// Pure: no DynamoDB, no AWS. The orchestrator and validator tests reach these only through whole runs.
const config = loadConfig('rollback.config.json');

describe('notificationFor', () => {
  const result: RollbackRunResult = { outcome: 'rolled_back', level: 'stage', drill: false, environment: 'production', deploymentId: 'prod-140', fromVersion: '1.4.0', toVersion: '1.3.0', reason: 'alarm x', timeline: [], durationMs: 42_000 };
  const limitNotice = 'rollback 3 of 3 allowed per hour in production: automation stops after this one until a person looks';

  it.each<[string, Partial<RollbackRunResult>, NotificationContext, Record<string, unknown> | undefined]>([
    ['a rollback: a result, warning', {}, {}, { type: 'rollback_result', severity: 'warning', outcome: 'rolled_back', level: 'stage', reason: 'alarm x' }],
    ['a failed rollback: an escalation, critical', { outcome: 'rollback_failed', level: 'full' }, {}, { type: 'rollback_escalation', severity: 'critical', level: 'full' }],
    ['a routine skip (cooldown): skipped, warning', { outcome: 'skipped' }, { skipSeverity: 'warning' }, { type: 'rollback_skipped', severity: 'warning' }],
    ['a skip that needs a person (rate limit): an escalation, critical', { outcome: 'skipped' }, { skipSeverity: 'critical' }, { type: 'rollback_escalation', severity: 'critical' }],
    ['a handover: warning', { outcome: 'handed_over' }, {}, { type: 'rollback_handover', severity: 'warning' }],
    ['observe mode: what it would have done, info', { outcome: 'observed' }, {}, { type: 'rollback_observed', severity: 'info' }],
    ['a drill that rolled back: info, marked a drill', { drill: true }, {}, { type: 'rollback_result', severity: 'info', drill: true }],
    ['a drill that found a problem: a warning, never a page', { drill: true, outcome: 'rollback_failed' }, {}, { type: 'rollback_escalation', severity: 'warning', drill: true }],
    ['a drill skipped at a critical guard: still only a warning, and not an escalation', { drill: true, outcome: 'skipped' }, { skipSeverity: 'critical' }, { type: 'rollback_skipped', severity: 'warning' }],
    ['the rollback that reaches the hourly limit: critical, saying why', {}, { limitNotice }, { type: 'rollback_result', severity: 'critical', reason: `alarm x; ${limitNotice}` }],
    ['the alarm and the person are named', {}, { alarm: 'demo-shop-prod-api-5xx', requestedBy: 'ana' }, { alarm: 'demo-shop-prod-api-5xx', requestedBy: 'ana', durationMs: 42_000, runId: undefined }],
    ['a duplicate: nobody is told', { outcome: 'duplicate' }, {}, undefined],
    ['an ignored event: nobody is told', { outcome: 'ignored' }, {}, undefined],
    ['a rejected event: nobody is told (the caller reads the answer)', { outcome: 'rejected' }, {}, undefined],
    ['the reconciler’s summary: nobody is told (each run it resumed announces itself)', { outcome: 'reconciled' }, {}, undefined],
    ['an answer for no environment: nobody is told', { environment: undefined }, {}, undefined],
  ])('%s', (_, change, context, expected) => {
    const notification = notificationFor({ ...result, ...change }, context);
    if (expected === undefined) expect(notification).toBeUndefined();
    else expect(notification).toMatchObject({ environment: 'production', fromVersion: '1.4.0', toVersion: '1.3.0', ...expected });
  });
});

describe('validationRequestFor', () => {
  const claim: ClaimFacts = { invocationId: 'i-1', mode: 'automatic', environment: 'production', fromDeploymentId: 'prod-140', fromVersion: '1.4.0', toDeploymentId: 'prod-130', toVersion: '1.3.0', reason: 'alarm', alarmName: 'checkout-latency' };
  const aliasExpectation = { target: 'lambda-alias', alias: 'live', versions: { 'demo-shop-prod-api': '41' } };
  const target = (type: string, outcome: TargetRestore['outcome'], expectations: TargetRestore['expectations'] = []): TargetRestore => ({ target: type, outcome, detail: '', movesTraffic: type === 'lambda-alias', expectations });
  const restoreOf = (environment: string, targets: TargetRestore[], verdict: EnvironmentRestore['verdict'] = 'restored'): EnvironmentRestore => ({ environment, fromDeploymentId: `${environment}-140`, toDeploymentId: `${environment}-130`, toVersion: '1.3.0', verdict, targets });
  const step = <Name extends 'stage-rollback' | 'full-rollback'>(name: Name, environments: EnvironmentRestore[]) =>
    ({ step: name, at: '2026-11-23T10:16:00.000Z', durationMs: 2_000, runId: 'run-1', outcome: 'ok', detail: '', facts: { environments } }) as StepOf<Name>;
  const state = (change: Partial<RunState> = {}): RunState => ({
    runId: 'run-1',
    claim,
    attempt: 1,
    handovers: [],
    notifications: [],
    stageRestore: step('stage-rollback', [restoreOf('production', [target('lambda-alias', 'restored', [aliasExpectation]), target('codepipeline-stage', 'failed'), target('s3-cloudfront', 'not_applicable')])]),
    ...change,
  });

  it.each<[string, RunState, 'stage' | 'full', Record<string, unknown>]>([
    [
      'stage: the origin environment, the alarm that fired by name, health on the restored version, what the restored targets promised',
      state(),
      'stage',
      {
        environments: [
          {
            name: 'production',
            alarmPrefixes: ['demo-shop-prod-'],
            alarmNames: ['checkout-latency'],
            healthChecks: [{ url: 'https://demo-shop.example.com/health', timeoutMs: 2000, followRedirects: 'same-origin', versionField: 'version', expectedVersion: '1.3.0' }],
            targets: [expect.objectContaining({ type: 'lambda-alias' })],
            expectations: [aliasExpectation],
          },
        ],
        budgetMs: 120_000,
        pollIntervalMs: 10_000,
        consecutivePasses: 3,
        restoredAt: '2026-11-23T10:16:02.000Z',
        drill: false,
      },
    ],
    ['a drill is marked: the validator then does not expect the restored version', state({ claim: { ...claim, mode: 'drill' } }), 'stage', { drill: true }],
    [
      'full: each environment once, the origin keeping its stage restore, other environments watching prefixes only',
      state({
        fullRestore: step('full-rollback', [restoreOf('staging', [target('lambda-alias', 'unchanged', [{ target: 'lambda-alias', alias: 'live', versions: { 'demo-shop-staging-api': '31' } }])]), restoreOf('production', [], 'already_restored')]),
      }),
      'full',
      {
        environments: [
          { name: 'staging', alarmNames: [], expectations: [{ target: 'lambda-alias', alias: 'live', versions: { 'demo-shop-staging-api': '31' } }] },
          { name: 'production', alarmNames: ['checkout-latency'], expectations: [aliasExpectation] },
        ],
      },
    ],
  ])('%s', (_, runState, level, expected) => {
    const request = validationRequestFor({ config, state: runState, level, budgetMs: 120_000 });
    expect(request).toMatchObject(expected);
    // What it asks is what the validator accepts.
    expect(validationRequestSchema.safeParse(request).success).toBe(true);
  });
});
