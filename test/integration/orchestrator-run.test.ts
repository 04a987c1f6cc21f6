import { readdirSync } from 'node:fs';
import { GetPipelineExecutionCommand, RollbackStageCommand, StopPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { GetAliasCommand, InvokeCommand, ResourceNotFoundException, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import {
  alarmDelivery,
  byFunction,
  createOrchestratorHarness,
  healthy,
  lambdaMock,
  pipelineMock,
  prodAliasRestore,
  sampleEvent,
  stagingAliasRestore,
  snsMock,
  TOPIC_ARN,
  unhealthy,
  VALIDATOR_FUNCTION,
} from '../helpers/orchestrator-harness';



/** When the stage restore finished, as the journal says. */
const restoredAt = (timeline: readonly { step: string; at: string; durationMs: number }[]) => {
  const restore = timeline.find((step) => step.step === 'stage-rollback')!;
  return new Date(Date.parse(restore.at) + restore.durationMs).toISOString();
};

describe('an alarm in production', () => {
  it('rolls the stage back, proves it, records it and announces it once', async () => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({
      outcome: 'rolled_back',
      level: 'stage',
      drill: false,
      environment: 'production',
      deploymentId: 'prod-140',
      fromVersion: '1.4.0',
      toVersion: '1.3.0',
    });
    expect(result.timeline.map((step) => [step.step, step.outcome])).toEqual([
      ['claim', 'info'],
      ['stage-rollback', 'ok'],
      ['stage-validation', 'ok'],
      ['complete', 'ok'],
      ['notify', 'ok'],
    ]);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    expect(pipelineMock.commandCalls(GetPipelineExecutionCommand)[0]?.args[0].input).toEqual({ pipelineName: 'demo-shop-release', pipelineExecutionId: 'exec-130' });
    expect(pipelineMock.commandCalls(StopPipelineExecutionCommand).map((call) => call.args[0].input)).toEqual([
      {
        pipelineName: 'demo-shop-release',
        pipelineExecutionId: 'exec-140',
        abandon: true,
        reason: expect.stringMatching(/^rollback-controller: alarm demo-shop-prod-api-5xx: Threshold Crossed/),
      },
    ]);
    expect(pipelineMock.commandCalls(RollbackStageCommand).map((call) => call.args[0].input)).toEqual([
      { pipelineName: 'demo-shop-release', stageName: 'DeployProduction', targetPipelineExecutionId: 'exec-130' },
    ]);
    expect(lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input).toMatchObject({ FunctionName: VALIDATOR_FUNCTION, InvocationType: 'RequestResponse' });
    expect(harness.validatorRequests()).toEqual([
      {
        environments: [
          {
            name: 'production',
            alarmPrefixes: ['demo-shop-prod-'],
            alarmNames: ['demo-shop-prod-api-5xx'],
            notifyOnly: [],
            healthChecks: [{ url: 'https://demo-shop.example.com/health', timeoutMs: 2000, followRedirects: 'same-origin', versionField: 'version', expectedVersion: '1.3.0' }],
            targets: [
              { type: 'lambda-alias', alias: 'live', functions: ['demo-shop-prod-api', 'demo-shop-prod-worker'] },
              { type: 'codepipeline-stage', pipeline: 'demo-shop-release', stage: 'DeployProduction' },
            ],
            expectations: [
              // The versions it replaced must serve nothing after the restore; the restored ones are judged against their own record before prod-140 started.
              { target: 'lambda-alias', alias: 'live', versions: { 'demo-shop-prod-api': '41', 'demo-shop-prod-worker': '16' }, replaced: { 'demo-shop-prod-api': '42', 'demo-shop-prod-worker': '17' }, baselineUntil: '2026-11-23T08:00:00.000Z' },
              { target: 'codepipeline-stage', pipeline: 'demo-shop-release', stage: 'DeployProduction', executionId: 'exec-rollback-1' },
            ],
          },
        ],
        budgetMs: 300_000,
        pollIntervalMs: 10_000,
        consecutivePasses: 3,
        failureThreshold: 3,
        errorRate: { minimumIncrease: 0.01, alpha: 0.01, beta: 0.01 },
        // Alarms' recovery windows count from when the stage restore finished.
        restoredAt: restoredAt(result.timeline),
        drill: false,
      },
    ]);
    const published = harness.published();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: 'production rolled_back (stage) 1.4.0 -> 1.3.0',
      MessageAttributes: {
        environment: { DataType: 'String', StringValue: 'production' },
        outcome: { DataType: 'String', StringValue: 'rolled_back' },
        severity: { DataType: 'String', StringValue: 'warning' },
        drill: { DataType: 'String', StringValue: 'false' },
      },
      body: { type: 'rollback_result', environment: 'production', deployment: 'prod-140', fromVersion: '1.4.0', toVersion: '1.3.0', level: 'stage', outcome: 'rolled_back', alarm: 'demo-shop-prod-api-5xx', drill: false },
    });
    const stored = await harness.record('prod-140');
    expect(stored).toMatchObject({
      status: 'rolled_back',
      rollback: { level: 'stage', mode: 'automatic', targetDeploymentId: 'prod-130', targetVersion: '1.3.0', trigger: { type: 'alarm', alarmName: 'demo-shop-prod-api-5xx' } },
    });
    expect(stored?.rollback?.leaseExpiresAt).toBeUndefined();
    expect(stored?.timeline?.map((step) => step.step)).toEqual(['claim', 'stage-rollback', 'stage-validation', 'complete', 'notify']);
  });

  it('falls back to a full rollback of exactly the environments running the bad version when the stage does not validate', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolvesOnce(unhealthy).resolves(healthy);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'full', fromVersion: '1.4.0', toVersion: '1.3.0' });
    // Production was already restored at stage level: the full rollback adds staging, and restores production only once.
    expect(harness.aliasUpdates().sort(byFunction)).toEqual([...prodAliasRestore, ...stagingAliasRestore].sort(byFunction));
    expect(result.timeline.find((step) => step.step === 'full-scope')?.detail).toBe('full rollback of staging, production');
    expect(harness.validatorRequests()[1]?.environments.map((environment) => environment.name)).toEqual(['staging', 'production']);
    expect(harness.validatorRequests()[1]?.environments[1]?.expectations).toHaveLength(2);
    expect(await harness.record('stag-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'full', targetVersion: '1.3.0', partOf: 'prod-140' } });
    expect(await harness.record('test-150')).toMatchObject({ status: 'succeeded' });
    expect(harness.published().map((message) => message.body.level)).toEqual(['full']);
  });

  it('escalates as rollback_failed, severity critical, when the full rollback does not validate either', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolves(unhealthy);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rollback_failed', level: 'full' });
    expect(result.reason).toMatch(/^stage validation failed: alarms: demo-shop-prod-api-5xx is ALARM; full validation failed/);
    const [message] = harness.published();
    expect(message).toMatchObject({
      Subject: '[CRITICAL] production rollback_failed (full) 1.4.0 -> 1.3.0',
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' } },
      body: { type: 'rollback_escalation', severity: 'critical' },
    });
    expect((await harness.record('prod-140'))?.status).toBe('rollback_failed');
    expect((await harness.record('stag-140'))?.status).toBe('rollback_failed');
  });

  it('treats a failed UpdateAlias (refused twice: the first try and its retry) as a failed stage and takes the full path', async () => {
    const harness = await createOrchestratorHarness();
    const gone = new ResourceNotFoundException({ message: 'Function not found: demo-shop-prod-api:41', $metadata: {} });
    lambdaMock.on(UpdateAliasCommand, { FunctionName: 'demo-shop-prod-api' }).rejectsOnce(gone).rejectsOnce(gone).resolves({});

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'full' });
    const stage = result.timeline.find((step) => step.step === 'stage-rollback');
    expect(stage).toMatchObject({ outcome: 'failed', detail: expect.stringContaining('demo-shop-prod-api: version 41 or alias live no longer exists') });
    expect(result.timeline.some((step) => step.step === 'stage-validation')).toBe(false);
  });

  it('never rolls back to a deployment that could not record every target’s restore point: it escalates naming what is missing, and a person may force the part it recorded', async () => {
    const why = 'lambda-alias, s3-cloudfront not recorded: execution exec-140 entered demo-shop-release/DeployProduction before this event was handled, so what is live now may be its, not this deployment\'s';
    const harness = await createOrchestratorHarness({
      history: [
        { deploymentId: 'prod-130', environment: 'production', version: '1.3.0', status: 'succeeded', at: '2026-11-21T08:00:00.000Z', restorePoints: { 'codepipeline-stage': { executionId: 'exec-130' } }, restorePointsUnknown: why },
        { deploymentId: 'prod-140', environment: 'production', version: '1.4.0', status: 'succeeded', at: '2026-11-23T08:00:00.000Z', restorePoints: { 'codepipeline-stage': { executionId: 'exec-140' } } },
      ],
    });

    const automatic = await harness.run(sampleEvent('alarm-production'));
    const unforced = await harness.run({ ...sampleEvent('manual-rollback'), targetVersion: '1.3.0' });
    const mutatedBeforeForce = harness.mutatingCalls();
    const forced = await harness.run({ ...sampleEvent('manual-rollback'), targetVersion: '1.3.0', force: true, requestId: 'forced-1' });

    expect(automatic).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('1.3.0 (prod-130) records no restore point for lambda-alias') });
    expect(harness.published().map((message) => [message.body.type, message.body.severity])[0]).toEqual(['rollback_escalation', 'critical']);
    expect(unforced).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('cannot be restored as a whole: it records no restore point for lambda-alias') });
    expect(mutatedBeforeForce).toBe(0);
    expect(forced).toMatchObject({ outcome: 'rolled_back', level: 'manual', toVersion: '1.3.0' });
    expect(harness.aliasUpdates()).toEqual([]);
    expect(pipelineMock.commandCalls(RollbackStageCommand)[0]?.args[0].input).toMatchObject({ targetPipelineExecutionId: 'exec-130' });
    expect(forced.timeline.find((step) => step.step === 'stage-rollback')?.detail).toContain(`prod-130 recorded no Lambda alias restore point (${why})`);
  });

  it('bounds each validation by the Lambda time left, keeping time to record and notify', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolvesOnce(unhealthy).resolves(healthy);
    harness.dependencies.remainingTimeMs = () => 215_000;

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result.outcome).toBe('rolled_back');
    expect(harness.validatorRequests().map((request) => request.budgetMs)).toEqual([100_000, 200_000]);
  });

  it('keeps the rollback when SNS fails, journals that nobody was told, and leaves the announcement to the reconciler', async () => {
    const harness = await createOrchestratorHarness();
    snsMock.on(PublishCommand).rejects(new Error('SNS is down'));

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', notification: { type: 'rollback_result', delivery: 'failed' } });
    expect(result.timeline.at(-1)).toMatchObject({ step: 'notify', outcome: 'failed', detail: 'rollback_result (warning) reached nobody; the reconciler tries again' });
    const stored = await harness.record('prod-140');
    expect(stored).toMatchObject({ status: 'rolled_back' });
    expect(stored?.rollback?.leaseExpiresAt).toBeDefined();

    snsMock.on(PublishCommand).resolves({ MessageId: 'm-2' });
    harness.clock.advance(2 * 60_000);
    await harness.reconcile();

    // The refused attempt, then the reconciler's delivered one.
    expect(harness.published().map((message) => message.body.type)).toEqual(['rollback_result', 'rollback_result']);
    expect((await harness.record('prod-140'))?.timeline?.filter((step) => step.step === 'notify').map((step) => step.outcome)).toEqual(['failed', 'ok']);
    expect((await harness.record('prod-140'))?.rollback?.leaseExpiresAt).toBeUndefined();
  });

  it('hands over when the validator connection drops; the retried event resumes it, restores nothing twice, and announces once', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'NetworkingError' })).resolves(healthy);
    const event = sampleEvent('alarm-production');

    const first = await harness.run(event);
    expect(first).toMatchObject({ outcome: 'handed_over', reason: expect.stringContaining('validator unavailable: NetworkingError: socket hang up') });
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rolling_back' });
    const retried = await harness.run(event);

    expect(retried).toMatchObject({ outcome: 'rolled_back', level: 'stage' });
    expect(retried.timeline.map((step) => step.step)).toEqual(['claim', 'stage-rollback', 'handover', 'resume', 'stage-validation', 'complete', 'notify']);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(1);
    expect(harness.published().map((message) => message.body.type)).toEqual(['rollback_handover', 'rollback_result']);
  });

  it('announces on retry when the container died after the record was completed but before anyone was told', async () => {
    const harness = await createOrchestratorHarness();
    harness.crashAfterJournaling('complete');
    const event = sampleEvent('alarm-production');

    await expect(harness.run(event)).rejects.toThrow('the container died');
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rolled_back' });
    expect(harness.published()).toHaveLength(0);
    expect(harness.starts()).toHaveLength(1);
    // Within the lease the run may still be announcing: a copy of the event leaves it alone.
    expect((await harness.run(event)).outcome).toBe('duplicate');
    harness.clock.advance(16 * 60_000);
    const retried = await harness.run(event);
    const again = await harness.run(event);

    expect(retried).toMatchObject({ outcome: 'rolled_back', level: 'stage', deploymentId: 'prod-140', toVersion: '1.3.0' });
    expect(again).toMatchObject({ outcome: 'rolled_back', level: 'stage' });
    expect(harness.published()).toHaveLength(1);
    // The resumed run does not say "rolling back now" a second time.
    expect(harness.starts()).toHaveLength(1);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
  });

  it('rolls back exactly once when 100 alarm deliveries for the same deployment arrive together', async () => {
    const harness = await createOrchestratorHarness();

    const results = await Promise.all(Array.from({ length: 100 }, (_, index) => harness.run(alarmDelivery('alarm-production', `storm-${index}`))));

    const outcomes = results.map((result) => result.outcome);
    expect(outcomes.filter((outcome) => outcome === 'rolled_back')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(99);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(1);
    expect(harness.starts()).toHaveLength(1);
    expect(harness.published()).toHaveLength(1);
  });
});

describe('when it must not act', () => {
  it('skips with a notification when the environment has no active deployment', async () => {
    const harness = await createOrchestratorHarness({ history: [] });

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'skipped', reason: 'no active deployment recorded for production: nothing to roll back' });
    expect(harness.mutatingCalls()).toBe(0);
    expect(harness.published()[0]).toMatchObject({ body: { type: 'rollback_skipped', severity: 'warning', reason: result.reason } });
  });

  it('skips during the cooldown after a rollback, saying until when', async () => {
    const harness = await createOrchestratorHarness();
    await harness.run(sampleEvent('alarm-production'));
    lambdaMock.resetHistory();
    snsMock.resetHistory();
    harness.history.clock.advance(4 * 60_000);
    const laterAlarm = alarmDelivery('alarm-production', 'later-alarm');
    (laterAlarm.detail as { state: { timestamp: string } }).state.timestamp = '2026-11-23T10:19:00.000+0000';

    const result = await harness.run(laterAlarm);

    expect(result).toMatchObject({ outcome: 'skipped', fromVersion: '1.3.0' });
    expect(result.reason).toBe('production is in its 10-minute cooldown after rolling back prod-140, until 2026-11-23T10:25:30.000Z');
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    expect(harness.published()[0]?.body).toMatchObject({ type: 'rollback_skipped', reason: result.reason });
  });

  it('stops automation and escalates once the hourly limit of rollbacks is reached', async () => {
    const harness = await createOrchestratorHarness();
    await harness.seedAutomaticRollbacks(3);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'skipped' });
    expect(result.reason).toContain('had 3 automatic rollbacks in the last hour (limit 3): automation stopped');
    expect(harness.mutatingCalls()).toBe(0);
    expect(harness.published()[0]).toMatchObject({ Subject: expect.stringMatching(/^\[CRITICAL\]/), body: { type: 'rollback_escalation', severity: 'critical' } });
  });
});

describe('drills and manual requests', () => {
  it('a drill reads for real, makes zero mutating target calls, and is recorded and announced as a drill', async () => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run(sampleEvent('drill'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'stage', drill: true, deploymentId: 'drill-production-drill-2026-11-23-001', fromVersion: '1.4.0', toVersion: '1.3.0' });
    expect(harness.mutatingCalls()).toBe(0);
    expect(lambdaMock.commandCalls(GetAliasCommand)).toHaveLength(2);
    expect(result.timeline.find((step) => step.step === 'stage-rollback')?.detail).toContain('would move alias live: demo-shop-prod-api 42->41');
    expect(harness.validatorRequests()[0]).toMatchObject({ drill: true, environments: [{ alarmNames: [], expectations: [] }] });
    expect(await harness.record('prod-140')).toMatchObject({ status: 'succeeded' });
    expect(await harness.record('drill-production-drill-2026-11-23-001')).toMatchObject({
      kind: 'drill',
      status: 'rolled_back',
      expiresAt: Math.floor(Date.parse('2026-11-23T10:15:30.000Z') / 1000) + 7 * 24 * 3600,
    });
    expect(harness.published()[0]).toMatchObject({
      Subject: '[DRILL] production rolled_back (stage) 1.4.0 -> 1.3.0',
      MessageAttributes: { drill: { DataType: 'String', StringValue: 'true' }, severity: { DataType: 'String', StringValue: 'info' } },
      body: { drill: true },
    });
  });

  it('a manual rollback restores the last known good at level manual, without cooldown checks', async () => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run(sampleEvent('manual-rollback'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'manual', toVersion: '1.3.0' });
    expect(await harness.record('prod-140')).toMatchObject({ rollback: { mode: 'manual', trigger: { type: 'manual', requestedBy: 'ana.oncall' } } });
  });

  it('a manual rollback to a named version restores that version', async () => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run(sampleEvent('manual-rollback-to-version'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'manual', fromVersion: '1.4.0', toVersion: '1.2.0' });
    expect(harness.aliasUpdates().map((input) => input.FunctionVersion).sort()).toEqual(['15', '40']);
  });

  it('rejects a manual rollback to a version the environment never ran, changing nothing', async () => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run({ ...sampleEvent('manual-rollback-to-version'), targetVersion: '0.9.0' });

    expect(result).toMatchObject({ outcome: 'rejected', reason: "version 0.9.0 is not a succeeded deployment in production's history before the active one (1.4.0)" });
    expect(harness.mutatingCalls()).toBe(0);
    expect((await harness.record('prod-140'))?.status).toBe('succeeded');
  });
});

describe('events that are not a reason to act', () => {
  it.each([
    ['alarm-ok', 'alarm demo-shop-prod-api-5xx is OK, not ALARM'],
    ['alarm-composite-suppressed', 'alarm demo-shop-prod-checkout-degraded has its actions suppressed (Alarm: Alarm demo-shop-prod-maintenance-window is in ALARM state)'],
  ])('%s is ignored with its reason, calling nothing', async (name, reason) => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run(sampleEvent(name));

    expect(result).toEqual({ outcome: 'ignored', reason, drill: false, timeline: [], durationMs: 0 });
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(snsMock.calls()).toHaveLength(0);
  });

  it.each([
    ['an alarm that was already in ALARM', (event: any) => (event.detail.previousState.value = 'ALARM'), 'was already in ALARM: not a transition into ALARM'],
    ['an alarm muted by a mute rule', (event: any) => (event.detail.muteDetail = { muteRules: ['weekend-maintenance'] }), 'is muted by an alarm mute rule'],
    ['an alarm no environment claims', (event: any) => (event.detail.alarmName = 'other-app-5xx'), 'alarm other-app-5xx matches no environment\'s alarm prefixes'],
    ['an alarm tagged for an unknown environment', (event: any) => (event.detail.alarmTags = { environment: 'qa' }), 'tagged environment=qa, which the configuration does not describe'],
    ['a configuration change', (event: any) => (event['detail-type'] = 'CloudWatch Alarm Configuration Change'), '"CloudWatch Alarm Configuration Change" is not a state change'],
    ['a contributor state change (a valid AWS event of another kind)', (event: any) => (event['detail-type'] = 'CloudWatch Alarm Contributor State Change'), '"CloudWatch Alarm Contributor State Change" from aws.cloudwatch is not an alarm state change or a request: not for this function'],
    ['an event from another service', (event: any) => Object.assign(event, { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: { 'instance-id': 'i-0', state: 'stopped' } }), '"EC2 Instance State-change Notification" from aws.ec2 is not an alarm state change or a request'],
  ])('%s is ignored', async (_, change, reason) => {
    const harness = await createOrchestratorHarness();
    const event = sampleEvent('alarm-production');
    change(event);

    const result = await harness.run(event);

    expect(result.outcome).toBe('ignored');
    expect(result.reason).toContain(reason);
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('routes an alarm by its environment tag when the event carries alarmTags', async () => {
    const harness = await createOrchestratorHarness();
    const event = sampleEvent('alarm-production');
    (event.detail as { alarmName: string; alarmTags?: Record<string, string> }).alarmName = 'checkout-latency';
    (event.detail as { alarmTags?: Record<string, string> }).alarmTags = { environment: 'staging', team: 'checkout' };

    const result = await harness.run(event);

    expect(result).toMatchObject({ outcome: 'rolled_back', environment: 'staging', deploymentId: 'stag-140' });
  });

  it.each([
    ['not an object', 'just text', 'event: expected a JSON object'],
    ['an unknown shape', { hello: 'world' }, 'expected a CloudWatch alarm state change (source "aws.cloudwatch") or a request with action "rollback", "drill", "deploy_failed" or "reconcile"'],
    ['an alarm without detail', { ...sampleEvent('alarm-production'), detail: undefined }, 'alarm event: detail:'],
    ['an alarm with a bad state', { ...sampleEvent('alarm-production'), detail: { ...(sampleEvent('alarm-production').detail as object), state: { value: 'RED', timestamp: 'x' } } }, 'detail.state.value'],
    ['an alarm with a bad timestamp', { ...sampleEvent('alarm-production'), time: 'yesterday' }, 'time: not a timestamp: "yesterday"'],
    ['a rollback without a reason', { action: 'rollback', environment: 'production', requestedBy: 'ana' }, 'rollback request: reason:'],
    ['a rollback without requestedBy', { action: 'rollback', environment: 'production', reason: 'broken' }, 'requestedBy'],
    ['a rollback with an extra field', { ...sampleEvent('manual-rollback'), hurry: true }, 'Unrecognized key: "hurry"'],
    ['a rollback for an unknown environment', { ...sampleEvent('manual-rollback'), environment: 'prod' }, 'unknown environment "prod"'],
    ['a drill without requestedBy', { action: 'drill', environment: 'production' }, 'drill request: requestedBy'],
    ['a drill with a bad request id', { ...sampleEvent('drill'), requestId: 'has spaces' }, 'requestId: must be letters'],
    // Longer than CloudWatch allows: refused at the door, not a record too large to write (and a dead letter).
    ['an alarm with a 1 MB name', { ...sampleEvent('alarm-production'), detail: { ...(sampleEvent('alarm-production').detail as object), alarmName: `demo-shop-prod-${'x'.repeat(1_048_576)}` } }, 'detail.alarmName: '],
    ['an alarm with a 1 MB state reason', { ...sampleEvent('alarm-production'), detail: { ...(sampleEvent('alarm-production').detail as any), state: { ...(sampleEvent('alarm-production').detail as any).state, reason: 'r'.repeat(1_048_576) } } }, 'detail.state.reason: '],
    ['a rollback to a 1 KB version', { ...sampleEvent('manual-rollback'), targetVersion: 'v'.repeat(1_024) }, 'targetVersion: '],
  ])('rejects %s with a reason naming the field, writing nothing', async (_, event, reason) => {
    const harness = await createOrchestratorHarness();
    const before = await harness.history.deployments.listHistory({ environment: 'production', limit: 20 });

    const result = await harness.run(event);

    expect(result.outcome).toBe('rejected');
    expect(result.reason).toContain(reason);
    expect(harness.mutatingCalls() + snsMock.calls().length).toBe(0);
    expect(await harness.history.deployments.listHistory({ environment: 'production', limit: 20 })).toEqual(before);
  });
});

const DOCUMENTED_OUTCOMES: Record<string, Record<string, unknown>> = {
  'alarm-production': { outcome: 'rolled_back', environment: 'production', level: 'stage' },
  'alarm-staging': { outcome: 'rolled_back', environment: 'staging', toVersion: '1.3.0' },
  'alarm-test': { outcome: 'rolled_back', environment: 'test', toVersion: '1.4.0' },
  'alarm-composite-production': { outcome: 'rolled_back', environment: 'production' },
  'alarm-composite-suppressed': { outcome: 'ignored' },
  'alarm-ok': { outcome: 'ignored' },
  'alarm-minimal': { outcome: 'rolled_back', environment: 'production', level: 'stage' },
  // A manual rollback invoked directly cannot say who asks: refused, changing nothing. Through the request URL it acts.
  'manual-rollback': { outcome: 'rejected', reason: expect.stringContaining("a manual rollback must come through the controller's request URL") },
  'manual-rollback-to-version': { outcome: 'rejected', reason: expect.stringContaining('request URL') },
  'request-url-rollback': { outcome: 'rolled_back', level: 'manual', environment: 'production' },
  drill: { outcome: 'rolled_back', drill: true },
  reconcile: { outcome: 'reconciled', runs: [] },
};

describe('every sample event in events/', () => {
  it('has a documented outcome for each orchestrator event in the folder', () => {
    const files = readdirSync('events').filter((file) => file.endsWith('.json') && !file.startsWith('codepipeline-'));

    expect(files.map((file) => file.replace(/\.json$/, '')).sort()).toEqual(Object.keys(DOCUMENTED_OUTCOMES).sort());
  });

  it.each(Object.entries(DOCUMENTED_OUTCOMES))('%s is handled as documented', async (name, expected) => {
    const harness = await createOrchestratorHarness();

    expect((await harness.invoke(sampleEvent(name))).result).toMatchObject(expected);
  });
});
