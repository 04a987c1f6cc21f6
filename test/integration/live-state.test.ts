import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { GetFunctionConfigurationCommand, InvokeCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { environmentStatus, renderStatus } from '../../cli/commands/status-command';
import { findEnvironment, type RollbackConfig } from '../../shared/config';
import {
  alarmDelivery,
  cloudWatchMock,
  createOrchestratorHarness,
  DEMO_HISTORY,
  healthy,
  lambdaMock,
  pipelineMock,
  points,
  prodAliasRestore,
  sampleEvent,
  unhealthy,
} from '../helpers/orchestrator-harness';

type AlarmEvent = { time: string; detail: { state: { timestamp: string }; previousState?: { value: string; timestamp?: string } } };

/** The demo history with 1.1.0 below production's 1.2.0, so a rollback of 1.2.0 has somewhere to go. */
const WITH_110 = [
  { deploymentId: 'prod-110', environment: 'production', version: '1.1.0', status: 'succeeded' as const, at: '2026-11-19T08:00:00.000Z', restorePoints: points({ 'demo-shop-prod-api': '39', 'demo-shop-prod-worker': '14' }, 'exec-110') },
  ...DEMO_HISTORY,
];

/** An alarm of production going into ALARM at `at` (a new delivery: its own id). */
function alarmAt(at: string, id: string): AlarmEvent {
  const event = alarmDelivery('alarm-production', id) as unknown as AlarmEvent;
  event.time = at;
  event.detail.state.timestamp = at;
  return event;
}

describe('what is live is kept on the head, and every rollback is accountable to it (DynamoDB Local + mocked AWS)', () => {
  it('after a person rolled back to an older version, the next alarm rolls back from that version, not from a newer one that is not running', async () => {
    const harness = await createOrchestratorHarness({ history: WITH_110 });
    lambdaMock.on(InvokeCommand).resolves(unhealthy);
    expect((await harness.run(sampleEvent('alarm-production'))).outcome).toBe('rollback_failed');
    lambdaMock.on(InvokeCommand).resolves(healthy);
    const manual = await harness.run({ ...sampleEvent('manual-rollback-to-version'), reason: 'back to 1.2.0 by hand' });
    harness.clock.advance(60 * 60_000);

    const next = await harness.run(alarmAt(harness.clock.now().toISOString(), 'an-hour-later'));

    expect(manual).toMatchObject({ outcome: 'rolled_back', level: 'manual', fromVersion: '1.3.0', toVersion: '1.2.0' });
    expect(next).toMatchObject({ outcome: 'rolled_back', level: 'stage', deploymentId: 'prod-120', fromVersion: '1.2.0', toVersion: '1.1.0' });
    // 1.3.0 was rolled back by the person, never again by the alarm.
    expect(await harness.record('prod-130')).toMatchObject({ status: 'rolled_back', rollback: { mode: 'manual', targetVersion: '1.2.0' } });
  });

  it('escalates instead of rolling back past an irreversible deployment newer than the live one, whose migration ran although its traffic never moved', async () => {
    const harness = await createOrchestratorHarness({
      history: [...DEMO_HISTORY, { deploymentId: 'prod-141', environment: 'production', version: '1.4.1', status: 'failed', at: '2026-11-23T09:00:00.000Z', irreversible: 'drops column orders.legacy_total', restorePoints: { 'codepipeline-stage': { executionId: 'exec-141' } } }],
    });

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'skipped', deploymentId: 'prod-140', reason: expect.stringContaining('would go back past prod-141 (1.4.1), recorded irreversible: drops column orders.legacy_total') });
    expect(harness.published().map((message) => [message.body.type, message.body.severity])).toEqual([['rollback_escalation', 'critical']]);
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('never picks a deployment whose restore points miss a configured function as the known good: it restores the complete one below', async () => {
    const harness = await createOrchestratorHarness({
      history: [...DEMO_HISTORY, { deploymentId: 'prod-135', environment: 'production', version: '1.3.5', status: 'succeeded', at: '2026-11-22T08:00:00.000Z', restorePoints: points({ 'demo-shop-prod-api': '50' }, 'exec-135') }],
    });

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'stage', fromVersion: '1.4.0', toVersion: '1.3.0' });
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    expect(await harness.record('prod-135')).toMatchObject({ status: 'succeeded' });
  });

  it('acts on a failed-deploy request only for a deployment recorded failed: a succeeded one is left alone, and says why', async () => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run({ action: 'deploy_failed', environment: 'production', deploymentId: 'prod-140', requestedBy: 'gitlab ci-9', requestId: 'deploy-failed-ci-9' });

    expect(result).toMatchObject({ outcome: 'skipped', reason: 'deployment prod-140 (1.4.0) is recorded succeeded, not failed: a failed-deploy request rolls back only a deployment recorded failed' });
    expect(harness.mutatingCalls()).toBe(0);
    expect(await harness.record('prod-140')).toMatchObject({ status: 'succeeded' });
  });

  it('a drill answers what automation would do: it refuses to cross an irreversible deployment, as a warning, and changes nothing', async () => {
    const harness = await createOrchestratorHarness({ history: DEMO_HISTORY.map((spec) => (spec.deploymentId === 'prod-140' ? { ...spec, irreversible: 'drops column orders.legacy_total' } : spec)) });

    const result = await harness.run(sampleEvent('drill'));

    expect(result).toMatchObject({ outcome: 'skipped', drill: true, reason: expect.stringContaining('would go back past prod-140 (1.4.0), recorded irreversible') });
    expect(harness.published().map((message) => [message.body.type, message.body.severity, message.body.drill])).toEqual([['rollback_skipped', 'warning', true]]);
    expect(harness.mutatingCalls()).toBe(0);
  });

  it.each<[string, (harness: Awaited<ReturnType<typeof createOrchestratorHarness>>) => Promise<unknown>, ((config: RollbackConfig) => RollbackConfig) | undefined, string]>([
    ['paused by a person', (harness) => harness.history.controls.pause({ environment: 'staging', by: 'ana', reason: 'incident 42', until: new Date('2026-11-23T12:00:00.000Z') }), undefined, 'staging (automation is paused there: automation in staging is paused by ana until 2026-11-23T12:00:00.000Z: incident 42)'],
    ['paused by its configuration', async () => undefined, (config) => ({ ...config, environments: config.environments.map((environment) => (environment.name === 'staging' ? { ...environment, mode: 'paused' as const } : environment)) }), 'staging (automation is paused there: automation in staging is paused by its configuration'],
    ['in observe mode', async () => undefined, (config) => ({ ...config, environments: config.environments.map((environment) => (environment.name === 'staging' ? { ...environment, mode: 'observe' as const } : environment)) }), 'staging (observe mode: would roll back stag-140 (1.4.0) to stag-130 (1.3.0); nothing changed there)'],
  ])('a full rollback leaves out an environment %s, and its scope and notification say so', async (_, prepare, configure, leftOut) => {
    const harness = await createOrchestratorHarness(configure ? { configure } : {});
    await prepare(harness);
    lambdaMock.on(InvokeCommand).resolvesOnce(unhealthy).resolves(healthy);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'full' });
    expect(result.timeline.find((step) => step.step === 'full-scope')?.detail).toContain(`full rollback of production; left out: ${leftOut}`);
    expect(harness.published().at(-1)?.body.reason).toContain(`left out: ${leftOut}`);
    expect(harness.aliasUpdates().filter((update) => update.FunctionName?.includes('staging'))).toEqual([]);
    expect(await harness.record('stag-140')).toMatchObject({ status: 'succeeded' });
  });
});

describe('an alarm is blamed on the live deployment only when it could be its doing', () => {
  it.each<[string, (event: AlarmEvent) => void, (() => void) | undefined]>([
    ['the event says it was already in ALARM before the deployment started', (event) => (event.detail.previousState = { value: 'ALARM', timestamp: '2026-11-23T07:50:00.000+0000' }), undefined],
    ['it went into ALARM before the deployment started (a late delivery)', (event) => (event.detail.state.timestamp = '2026-11-23T07:50:00.000+0000'), undefined],
    ['CloudWatch says it has been in ALARM since before the deployment started', () => undefined, () => cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'demo-shop-prod-api-5xx', ActionsEnabled: true, StateValue: 'ALARM', StateTransitionedTimestamp: new Date('2026-11-23T07:50:00.000Z') }] })],
  ])('is announced, not acted on, when %s', async (_, change, mockAlarm) => {
    const harness = await createOrchestratorHarness();
    mockAlarm?.();
    const event = sampleEvent('alarm-production') as unknown as AlarmEvent;
    change(event);

    const result = await harness.run(event);

    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^the alarm predates the deployment: in ALARM since 2026-11-23T07:50:00\.000Z, before prod-140 \(1\.4\.0\) started at 2026-11-23T08:00:00\.000Z/) });
    expect(harness.published().map((message) => [message.body.type, message.body.severity])).toEqual([['rollback_skipped', 'warning']]);
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('is announced with the command a person would run, not acted on, when it fires after the attribution window', async () => {
    const harness = await createOrchestratorHarness();
    harness.clock.set('2026-11-25T10:15:30.000Z');

    const result = await harness.run(alarmAt('2026-11-25T10:15:00.000Z', 'two-days-later'));
    const mutated = harness.mutatingCalls();
    const configured = await createOrchestratorHarness({ configure: (config) => ({ ...config, environments: config.environments.map((environment) => ({ ...environment, attributionWindow: '7d' })) }) });
    configured.clock.set('2026-11-25T10:15:30.000Z');
    const withinAWeek = await configured.run(alarmAt('2026-11-25T10:15:00.000Z', 'two-days-later'));

    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('the alarm fired 50h after prod-140 (1.4.0) went live at 2026-11-23T08:00:00.000Z, past production\'s attribution window (24h)') });
    expect(result.reason).toContain('rollbackctl rollback --env production --reason');
    expect(mutated).toBe(0);
    expect(withinAWeek).toMatchObject({ outcome: 'rolled_back', fromVersion: '1.4.0', toVersion: '1.3.0' });
  });

  it('still blames a deployment for an alarm that went into ALARM after it went live', async () => {
    const harness = await createOrchestratorHarness();
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'demo-shop-prod-api-5xx', ActionsEnabled: true, StateValue: 'ALARM', StateTransitionedTimestamp: new Date('2026-11-23T10:15:00.000Z') }] });

    expect(await harness.run(sampleEvent('alarm-production'))).toMatchObject({ outcome: 'rolled_back', fromVersion: '1.4.0', toVersion: '1.3.0' });
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(2);
  });
});

describe('rollback readiness: whether the known good can be restored now, checked by the reconciler', () => {
  const notFound = (what: string) => Object.assign(new Error(`Function not found: ${what}`), { name: 'ResourceNotFoundException' });

  it('after a deployment moved what is live, reports a known good whose Lambda version no longer exists: on the head, in status, one warning per deployment', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(GetFunctionConfigurationCommand, { FunctionName: 'demo-shop-prod-api', Qualifier: '42' }).rejects(notFound('demo-shop-prod-api:42'));
    await harness.history.deployments.recordDeployment({ deploymentId: 'prod-150', environment: 'production', version: '1.5.0', status: 'succeeded', source: 'codepipeline', at: new Date('2026-11-23T10:20:00.000Z'), restorePoints: points({ 'demo-shop-prod-api': '43', 'demo-shop-prod-worker': '18' }, 'exec-150') });
    harness.moveAliases({ 'demo-shop-prod-api': '43', 'demo-shop-prod-worker': '18' });

    await harness.reconcile();
    harness.clock.advance(2 * 60 * 60_000);
    await harness.reconcile();

    const readiness = (await harness.history.controls.readHead('production'))?.readiness;
    expect(readiness).toMatchObject({ ready: false, liveDeploymentId: 'prod-150', knownGoodDeploymentId: 'prod-140', drift: [] });
    expect(readiness?.problems).toEqual([expect.stringMatching(/^lambda-alias: demo-shop-prod-api version 42: ResourceNotFoundException: Function not found: demo-shop-prod-api:42/)]);
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand).map((call) => call.args[0].input).slice(0, 2)).toEqual([
      { FunctionName: 'demo-shop-prod-api', Qualifier: '42' },
      { FunctionName: 'demo-shop-prod-worker', Qualifier: '17' },
    ]);
    expect(pipelineMock.commandCalls(GetPipelineExecutionCommand).map((call) => call.args[0].input)).toContainEqual({ pipelineName: 'demo-shop-release', pipelineExecutionId: 'exec-140' });
    expect(harness.notReady().map((message) => [message.body.environment, message.body.severity, message.Subject])).toEqual([['production', 'warning', '[NOT READY] production cannot roll back 1.5.0']]);
    expect(renderStatus(environmentStatus({ environment: findEnvironment(harness.dependencies.config, 'production'), policy: harness.dependencies.config.policy, pair: await harness.history.deployments.findRollbackPair(findEnvironment(harness.dependencies.config, 'production')), rollbacks: [], readiness: readiness!, now: harness.clock.now() }))).toContain('readiness     NOT READY (checked 2026-11-23T12:15:30.000Z): lambda-alias: demo-shop-prod-api version 42');
  });

  it('reports drift when a target serves something else than what is kept live, and never trusts it silently', async () => {
    const harness = await createOrchestratorHarness();
    harness.moveAliases({ 'demo-shop-prod-api': '99' });
    harness.clock.advance(2 * 60 * 60_000);

    await harness.reconcile();

    expect((await harness.history.controls.readHead('production'))?.readiness).toMatchObject({
      ready: false,
      problems: [],
      drift: ['lambda-alias serves demo-shop-prod-api=99, demo-shop-prod-worker=17, not demo-shop-prod-api=42, demo-shop-prod-worker=17 of prod-140 (live since 2026-11-23T08:00:00.000Z): changed outside the controller'],
    });
    expect(harness.notReady().map((message) => message.body.reason)).toEqual([expect.stringContaining('drift: lambda-alias serves demo-shop-prod-api=99')]);
  });

  it('finds every environment of the demo history ready, and checks again only when something moved or an hour passed', async () => {
    const harness = await createOrchestratorHarness();

    const again = await harness.reconcile();

    for (const environment of ['test', 'staging', 'production']) expect((await harness.history.controls.readHead(environment))?.readiness).toMatchObject({ ready: true, problems: [], drift: [] });
    expect(again.reason).toBe('0 unfinished run(s) due, 0 resumed');
    expect(harness.notReady()).toEqual([]);
  });
});
