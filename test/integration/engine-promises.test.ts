import { PipelineExecutionOutdatedException, RollbackStageCommand, UnableToRollbackStageException } from '@aws-sdk/client-codepipeline';
import { InvokeCommand, TooManyRequestsException, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { JournalStep } from '../../shared/history/run-journal';
import {
  alarmDelivery,
  byFunction,
  createOrchestratorHarness,
  DEMO_HISTORY,
  healthy,
  lambdaMock,
  pipelineMock,
  points,
  prodAliasRestore,
  sampleEvent,
  stagingAliasRestore,
  unhealthy,
} from '../helpers/orchestrator-harness';

/** Past the 900 s lease of a run that died without handing over. */
const LEASE_EXPIRED_MS = 16 * 60_000;


describe('a run stays right after a crash', () => {
  it('a retry after a crash between the full validation and its completion completes every record the run claimed', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolvesOnce(unhealthy).resolves(healthy);
    harness.crashAfterJournaling('full-validation');
    const event = sampleEvent('alarm-production');

    await expect(harness.run(event)).rejects.toThrow('the container died');
    harness.clock.advance(LEASE_EXPIRED_MS);
    const retried = await harness.run(event);

    expect(retried).toMatchObject({ outcome: 'rolled_back', level: 'full' });
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'full' } });
    expect(await harness.record('stag-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'full' } });
    expect(harness.published().map((message) => message.body.type)).toEqual(['rollback_result']);
  });

  it('a resumed run validates the pipeline stage execution that its restore started', async () => {
    const harness = await createOrchestratorHarness();
    harness.crashAfterJournaling('stage-rollback');
    const event = sampleEvent('alarm-production');

    await expect(harness.run(event)).rejects.toThrow('the container died');
    harness.clock.advance(LEASE_EXPIRED_MS);
    const retried = await harness.run(event);

    expect(retried).toMatchObject({ outcome: 'rolled_back', level: 'stage' });
    expect(harness.validatorRequests()).toHaveLength(1);
    expect(JSON.stringify(harness.validatorRequests()[0])).toContain('"exec-rollback-1"');
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(1);
  });

  it.each(['claim', 'stage-rollback', 'stage-validation', 'full-scope', 'full-rollback', 'full-validation', 'complete', 'notify'])(
    'a crash right after journaling %s, then the reconciler, ends with one restore per target, every record completed, one notification',
    async (step) => {
      const harness = await createOrchestratorHarness();
      lambdaMock.on(InvokeCommand).resolvesOnce(unhealthy).resolves(healthy);
      harness.crashAfterJournaling(step);

      await expect(harness.run(sampleEvent('alarm-production'))).rejects.toThrow('the container died');
      harness.clock.advance(LEASE_EXPIRED_MS);
      await harness.reconcile();

      expect(await harness.record('prod-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'full' } });
      expect(await harness.record('stag-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'full' } });
      expect(harness.aliasUpdates().sort(byFunction)).toEqual([...prodAliasRestore, ...stagingAliasRestore].sort(byFunction));
      expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(1);
      expect(harness.validatorRequests()).toHaveLength(2);
      expect(harness.published().map((message) => message.body.type)).toEqual(['rollback_result']);
    },
  );
});

describe('a full rollback\'s facts on each environment\'s own record', () => {
  it('keeps each joined environment\'s restore on its own record and only a count on the run\'s; a run resumed after the full restore validates with the facts read back', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolvesOnce(unhealthy).resolves(healthy);
    harness.crashAfterJournaling('full-rollback');
    await expect(harness.run(sampleEvent('alarm-production'))).rejects.toThrow('the container died');
    harness.clock.advance(LEASE_EXPIRED_MS);

    await harness.reconcile();

    const origin = await harness.record('prod-140');
    const staging = await harness.record('stag-140');
    const summary = origin!.timeline!.find((step) => step.step === 'full-rollback')!;
    // The run's record holds the origin's restore (already done at stage level) and counts staging's: it does not grow per environment.
    expect(summary.facts).toEqual({ environments: [expect.objectContaining({ environment: 'production', verdict: 'already_restored' })], joined: { count: 1, verdicts: { restored: 1 } } });
    expect(staging!.timeline!.find((step) => step.step === 'full-rollback')!.facts).toMatchObject({ environments: [{ environment: 'staging', targets: expect.arrayContaining([expect.objectContaining({ target: 'lambda-alias', outcome: 'restored' })]) }] });
    // The resumed invocation had only the count in its journal: the staging alias it validates came from staging's record.
    const fullValidation = harness.validatorRequests().at(-1)!;
    expect(fullValidation.environments.find((environment) => environment.name === 'staging')!.expectations).toEqual(expect.arrayContaining([expect.objectContaining({ target: 'lambda-alias', alias: 'live' })]));
    expect(await harness.record('stag-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'full' } });
  });
});

describe('a full rollback journaled by the release before counts', () => {
  it('resumes from a journal that kept a summary of each joined environment (`factsOn`): the facts are read back from that environment\'s record', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolvesOnce(unhealthy).resolves(healthy);
    harness.crashAfterJournaling('full-rollback');
    await expect(harness.run(sampleEvent('alarm-production'))).rejects.toThrow('the container died');
    // As the earlier release wrote it: a summary per joined environment in place of the count.
    const { client, tableName } = harness.history;
    const origin = await harness.record('prod-140');
    const index = origin!.timeline!.findIndex((step) => step.step === 'full-rollback');
    const step = origin!.timeline![index]! as Extract<JournalStep, { step: 'full-rollback' }>;
    const staging = (await harness.record('stag-140'))!.timeline!.find((entry) => entry.step === 'full-rollback') as Extract<JournalStep, { step: 'full-rollback' }>;
    const summaries = [...step.facts.environments, ...staging.facts.environments.map((restore) => ({ ...restore, targets: [], factsOn: 'stag-140' }))];
    await client.send(new UpdateCommand({ TableName: tableName, Key: { deploymentId: 'prod-140' }, UpdateExpression: `SET timeline[${index}] = :step`, ExpressionAttributeValues: { ':step': { ...step, facts: { environments: summaries } } } }));
    harness.clock.advance(LEASE_EXPIRED_MS);

    await harness.reconcile();

    const fullValidation = harness.validatorRequests().at(-1)!;
    expect(fullValidation.environments.map((environment) => environment.name)).toContain('staging');
    expect(fullValidation.environments.find((environment) => environment.name === 'staging')!.expectations).toEqual(expect.arrayContaining([expect.objectContaining({ target: 'lambda-alias', alias: 'live' })]));
    expect(await harness.record('stag-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'full' } });
  });
});

describe('a table from before the reconcile queue', () => {
  it('resumes a run claimed by the release before the queue (not on it): the one-time sweep finds it by its environment, then the table is marked swept', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolves(healthy);
    harness.crashAfterJournaling('claim');
    await expect(harness.run(sampleEvent('alarm-production'))).rejects.toThrow('the container died');
    // As the earlier release left it: a lease, but no queue entry; and no sweep done on this table.
    const { client, tableName } = harness.history;
    await client.send(new UpdateCommand({ TableName: tableName, Key: { deploymentId: 'prod-140' }, UpdateExpression: 'REMOVE reconcileQueue, reconcileAt' }));
    await client.send(new DeleteCommand({ TableName: tableName, Key: { deploymentId: 'reconciler#state' } }));
    harness.clock.advance(LEASE_EXPIRED_MS);

    const reconciled = await harness.reconcile();

    expect(reconciled).toMatchObject({ outcome: 'reconciled', reason: expect.stringMatching(/^1 unfinished run\(s\) due, 1 resumed; every environment swept \(3\)/) });
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'stage' } });
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    // Marked swept on the next tick, which finds no open run off the queue.
    expect(await harness.history.runs.readSweep()).toBeUndefined();
    await harness.reconcile();
    expect(await harness.history.runs.readSweep()).toBe(1);
  });
});

describe('one driver per run', () => {
  it('50 concurrent copies of one event id make one restore per target and one validator call', async () => {
    const harness = await createOrchestratorHarness();
    const event = sampleEvent('alarm-production');

    const results = await Promise.all(Array.from({ length: 50 }, () => harness.run(event)));

    expect(results.filter((result) => result.outcome === 'rolled_back')).toHaveLength(1);
    expect(results.filter((result) => result.outcome === 'duplicate')).toHaveLength(49);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(1);
    expect(harness.validatorRequests()).toHaveLength(1);
    expect((await harness.record('prod-140'))?.timeline?.map((entry) => entry.step)).toContain('complete');
    expect(harness.published()).toHaveLength(1);
  });
});

describe('nothing stuck, everyone told', () => {
  it.each([
    ['throttled', new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: {}, Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' })],
    ['denied', Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), { name: 'AccessDeniedException' })],
  ])('a validator that stays %s hands the run over, tells people, and the reconciler escalates it after its attempts', async (_, failure) => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).rejects(failure);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'handed_over', environment: 'production' });
    expect(harness.published().map((message) => [message.body.type, message.body.severity])).toEqual([['rollback_handover', 'warning']]);
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rolling_back' });
    for (let round = 0; round < 5; round += 1) {
      harness.clock.advance(3 * 60_000);
      await harness.reconcile();
    }
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rollback_failed' });
    expect(harness.published().map((message) => [message.body.type, message.body.severity])).toEqual([
      ['rollback_handover', 'warning'],
      ['rollback_escalation', 'critical'],
    ]);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
  });

  it('a journal that cannot be written ends in a handover someone is told about, and the reconciler finishes the run', async () => {
    const harness = await createOrchestratorHarness();
    harness.breakJournal();

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result.outcome).toBe('handed_over');
    expect(harness.published().map((message) => message.body.type)).toEqual(['rollback_handover']);
    expect(harness.published()[0]?.body.reason).toMatch(/journal/);
    harness.breakJournal(false);
    harness.clock.advance(LEASE_EXPIRED_MS);
    await harness.reconcile();
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'stage' } });
    expect(harness.published().map((message) => message.body.type)).toEqual(['rollback_handover', 'rollback_result']);
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(1);
  });

  it('with less than a validation’s worth of invocation time left, the run hands over instead of failing validation', async () => {
    const harness = await createOrchestratorHarness();
    harness.dependencies.remainingTimeMs = () => 30_000;

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result.outcome).toBe('handed_over');
    expect(result.timeline.map((entry) => entry.step)).toEqual(['claim', 'stage-rollback', 'handover']);
    expect(harness.validatorRequests()).toHaveLength(0);
    expect(await harness.record('stag-140')).toMatchObject({ status: 'succeeded' });
    harness.dependencies.remainingTimeMs = () => 890_000;
    harness.clock.advance(2 * 60_000);
    await harness.reconcile();
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rolled_back', rollback: { level: 'stage' } });
  });
});

describe('validate what was restored', () => {
  it.each([
    ['UnableToRollbackStageException', new UnableToRollbackStageException({ message: 'Unable to roll back the stage', $metadata: {} })],
    ['PipelineExecutionOutdatedException', new PipelineExecutionOutdatedException({ message: 'The execution is outdated', $metadata: {} })],
  ])('CodePipeline refusing RollbackStage (%s) after the alias restore is a warning: the run validates and stays at stage level', async (name, refusal) => {
    const harness = await createOrchestratorHarness();
    pipelineMock.on(RollbackStageCommand).rejects(refusal);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'stage' });
    expect(result.timeline.find((entry) => entry.step === 'stage-rollback')).toMatchObject({ outcome: 'warning', detail: expect.stringContaining(name) });
    expect(harness.validatorRequests()).toHaveLength(1);
    expect(await harness.record('stag-140')).toMatchObject({ status: 'succeeded' });
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
  });

  it('an alarm routed by its environment tag is validated by its name', async () => {
    const harness = await createOrchestratorHarness();
    const event = sampleEvent('alarm-production') as { detail: Record<string, unknown> };
    event.detail.alarmName = 'checkout-latency';
    event.detail.alarmTags = { environment: 'staging' };

    await harness.run(event);

    expect(JSON.stringify(harness.validatorRequests()[0])).toContain('"checkout-latency"');
  });
});

describe('policy', () => {
  it.each([
    ['to its last known good', {}, '1.3.0'],
    ['to a named version', { targetVersion: '1.2.0' }, '1.2.0'],
  ])('a person can roll back by hand after automation’s restore failed (the bad version still live), %s', async (_, change, toVersion) => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(UpdateAliasCommand).rejects(Object.assign(new Error('not authorized to perform lambda:UpdateAlias'), { name: 'AccessDeniedException' }));
    expect((await harness.run(sampleEvent('alarm-production'))).outcome).toBe('rollback_failed');
    lambdaMock.on(UpdateAliasCommand).resolves({});

    const manual = await harness.run({ ...sampleEvent('manual-rollback'), ...change, reason: 'automation gave up; restoring by hand' });

    expect(manual).toMatchObject({ outcome: 'rolled_back', level: 'manual', deploymentId: 'prod-140', toVersion });
    expect(await harness.record('prod-140')).toMatchObject({
      status: 'rolled_back',
      rollback: { level: 'manual', targetVersion: toVersion, trigger: { type: 'manual', requestedBy: 'ana.oncall' }, previousRun: { outcome: 'rollback_failed' } },
    });
  });

  it('after a rollback that put the known good live but failed validation, automation goes no further back, and a person rolls back what is live', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolves(unhealthy);
    expect((await harness.run(sampleEvent('alarm-production'))).outcome).toBe('rollback_failed');
    lambdaMock.on(InvokeCommand).resolves(healthy);
    harness.clock.advance(60 * 60_000);
    const later = alarmDelivery('alarm-production', 'an-hour-later') as { detail: { state: { timestamp: string } } };
    later.detail.state.timestamp = harness.clock.now().toISOString();

    const automatic = await harness.run(later);
    const manual = await harness.run({ ...sampleEvent('manual-rollback'), reason: '1.3.0 is bad too' });

    expect(automatic).toMatchObject({ outcome: 'skipped', fromVersion: '1.3.0', reason: expect.stringContaining('the rollback of prod-140 (1.4.0) put it back, and that rollback failed') });
    expect(manual).toMatchObject({ outcome: 'rolled_back', level: 'manual', deploymentId: 'prod-130', fromVersion: '1.3.0', toVersion: '1.2.0' });
    expect((await harness.history.controls.readHead('production'))?.live).toMatchObject({ deploymentId: 'prod-120', cause: 'restored', level: 'manual', replaced: 'prod-130' });
  });

  it('50 deliveries of an alarm inside the cooldown send one skipped notification', async () => {
    const harness = await createOrchestratorHarness();
    await harness.run(sampleEvent('alarm-production'));
    const announced = harness.published().length;
    harness.clock.advance(4 * 60_000);

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => {
        const event = alarmDelivery('alarm-production', `cooldown-${index}`) as { detail: { state: { timestamp: string } } };
        event.detail.state.timestamp = '2026-11-23T10:19:00.000+0000';
        return harness.run(event);
      }),
    );

    expect(results.every((result) => result.outcome === 'skipped')).toBe(true);
    expect(harness.published().slice(announced).map((message) => message.body.type)).toEqual(['rollback_skipped']);
  });

  it('a drill request id reused for another environment drills that environment', async () => {
    const harness = await createOrchestratorHarness();
    const production = await harness.run(sampleEvent('drill'));

    const staging = await harness.run({ ...sampleEvent('drill'), environment: 'staging' });

    expect(production).toMatchObject({ environment: 'production', drill: true });
    expect(staging).toMatchObject({ outcome: 'rolled_back', environment: 'staging', drill: true, fromVersion: '1.4.0', toVersion: '1.3.0' });
    expect(staging.deploymentId).not.toBe(production.deploymentId);
  });

  it('a failed deployment that had already moved traffic is the one rolled back, not the good one before it', async () => {
    const harness = await createOrchestratorHarness({
      history: [
        ...DEMO_HISTORY,
        {
          deploymentId: 'prod-150',
          environment: 'production',
          version: '1.5.0',
          status: 'failed',
          at: '2026-11-23T09:00:00.000Z',
          restorePoints: points({ 'demo-shop-prod-api': '43', 'demo-shop-prod-worker': '18' }),
        },
      ],
    });

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', deploymentId: 'prod-150', fromVersion: '1.5.0', toVersion: '1.4.0' });
    expect(harness.aliasUpdates().map((input) => input.FunctionVersion).sort()).toEqual(['17', '42']);
  });

  it('the minimal hand-written alarm event from a runbook acts, keyed on the invocation id', async () => {
    const harness = await createOrchestratorHarness();
    const minimal = { 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', detail: { alarmName: 'demo-shop-prod-api-5xx', state: { value: 'ALARM' } } };

    const result = await harness.run(minimal, 'console-test-invocation');

    expect(result).toMatchObject({ outcome: 'rolled_back', environment: 'production', level: 'stage' });
    expect(await harness.record('prod-140')).toMatchObject({ rollback: { runId: 'console-test-invocation', trigger: { alarmName: 'demo-shop-prod-api-5xx' } } });
  });
});

describe('the reconciler’s safety net', () => {
  it('closes, and escalates, another environment’s record a run claimed and then ended without', async () => {
    const harness = await createOrchestratorHarness();
    const { deployments, runs } = harness.history;
    const staging = (await deployments.getDeployment('stag-140'))!;
    // The run on prod-140 claimed staging for its full rollback, died before journaling the scope, and was later given up.
    await runs.claim({ observed: staging, runId: 'lost-run', invocationId: 'gone', mode: 'automatic', trigger: { type: 'alarm' }, leaseSeconds: 900, partOf: 'prod-140' });
    harness.clock.advance(LEASE_EXPIRED_MS);

    const reconciled = await harness.reconcile();

    expect(reconciled.runs).toEqual([expect.objectContaining({ outcome: 'rollback_failed', deploymentId: 'stag-140' })]);
    expect(await harness.record('stag-140')).toMatchObject({ status: 'rollback_failed', rollback: { partOf: 'prod-140', reason: expect.stringContaining('a person must check staging') } });
    expect((await harness.record('stag-140'))?.rollback?.leaseExpiresAt).toBeUndefined();
    expect(harness.published().map((message) => [message.body.type, message.body.severity, message.body.environment])).toEqual([['rollback_escalation', 'critical', 'staging']]);
    // Staging's guards count it from now on, though nothing comes back to the record.
    expect((await harness.history.controls.readHead('staging'))?.rollbacks).toEqual([expect.objectContaining({ runId: 'lost-run', partOf: 'prod-140', finishedAt: expect.any(String) })]);
  });
});

const isRead = (call: string) => call === 'Query' || call === 'GetItem';

describe('one read decides', () => {
  it('the first alarm reads once before its claim; a copy during the rollback and one after it each cost one read and write nothing', async () => {
    const harness = await createOrchestratorHarness();
    harness.takeDynamoDbCalls();
    let beforeRestore: string[] = [];
    let during: { outcome?: string; reads: string[] } = { reads: [] };
    lambdaMock
      .on(UpdateAliasCommand)
      .callsFakeOnce(async () => {
        beforeRestore = harness.takeDynamoDbCalls();
        const copy = await harness.run(alarmDelivery('alarm-production', 'copy-during-the-rollback'));
        during = { outcome: copy.outcome, reads: harness.takeDynamoDbCalls().filter(isRead) };
        return {};
      })
      .resolves({});

    const first = await harness.run(alarmDelivery('alarm-production', 'first'));
    harness.takeDynamoDbCalls();
    const after = await harness.run(alarmDelivery('alarm-production', 'copy-after-the-rollback'));
    const afterCalls = harness.takeDynamoDbCalls();

    expect(first).toMatchObject({ outcome: 'rolled_back', level: 'stage' });
    // The Query, then the claim; the ledger entry goes out alongside the restore, not before it.
    expect(beforeRestore.slice(0, 2)).toEqual(['Query', 'UpdateItem']);
    expect(beforeRestore.filter(isRead)).toEqual(['Query']);
    expect(during).toEqual({ outcome: 'duplicate', reads: ['Query'] });
    expect(after.outcome).toBe('duplicate');
    expect(afterCalls).toEqual(['Query']);
  });

  it('the guards count from the ledger: the cooldown after a rollback holds a new alarm from the one Query', async () => {
    const harness = await createOrchestratorHarness();
    await harness.run(sampleEvent('alarm-production'));
    harness.clock.advance(4 * 60_000);
    const laterAlarm = alarmDelivery('alarm-production', 'later-alarm');
    (laterAlarm.detail as { state: { timestamp: string } }).state.timestamp = '2026-11-23T10:19:00.000+0000';
    harness.takeDynamoDbCalls();

    const result = await harness.run(laterAlarm);

    expect(result.reason).toBe('production is in its 10-minute cooldown after rolling back prod-140, until 2026-11-23T10:25:30.000Z');
    expect(harness.takeDynamoDbCalls().filter(isRead)).toEqual(['Query']);
  });

  it('rollbacks from before the ledger still hold automation back: the guards read the index until the reconciler fills the ledger', async () => {
    const harness = await createOrchestratorHarness({ ledger: 'absent' });
    const { deployments, runs, clock } = harness.history;
    // Three automatic rollbacks in the last hour, finished and let go, on their records only.
    for (let index = 0; index < 3; index += 1) {
      const { deployment } = await deployments.recordDeployment({ deploymentId: `older-${index}`, environment: 'production', version: `1.1.${index}`, status: 'succeeded', source: 'cli', at: new Date('2026-11-19T08:00:00.000Z') });
      clock.set(new Date(Date.parse('2026-11-23T09:20:00.000Z') + index * 60_000));
      const ref = { deploymentId: deployment.deploymentId, runId: `earlier-run-${index}`, invocationId: `earlier-${index}` };
      await runs.claim({ observed: deployment, ...ref, mode: 'automatic', trigger: { type: 'alarm' }, leaseSeconds: 60 });
      const journal = { timeline: [], dropped: 0 };
      await runs.complete(ref, { outcome: 'rolled_back', level: 'stage', reason: 'earlier', targetDeploymentId: 'prod-130', targetVersion: '1.3.0' }, journal);
      await runs.release(ref, journal);
    }
    clock.set('2026-11-23T10:15:30.000Z');
    harness.takeDynamoDbCalls();

    const beforeFilling = await harness.run(alarmDelivery('alarm-production', 'before-filling'));
    const readsBeforeFilling = harness.takeDynamoDbCalls().filter(isRead);
    const reconciled = await harness.reconcile();
    harness.takeDynamoDbCalls();
    const afterFilling = await harness.run(alarmDelivery('alarm-production', 'after-filling'));

    expect(beforeFilling).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('had 3 automatic rollbacks in the last hour') });
    // The pair with the head (the recorded deployments put their live state on it, its ledger not yet filled), then the rollbacks index.
    expect(readsBeforeFilling).toEqual(['Query', 'Query']);
    expect(reconciled.reason).toBe('0 unfinished run(s) due, 0 resumed; every environment swept (3); 3 environment ledger(s) filled; readiness checked in 3 environment(s), 0 not ready');
    expect(afterFilling).toMatchObject({ outcome: 'skipped', reason: beforeFilling.reason });
    expect(harness.takeDynamoDbCalls().filter(isRead)).toEqual(['Query']);
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('a run lets go only once its finished entry is on the ledger; when that write fails the reconciler finishes it', async () => {
    const harness = await createOrchestratorHarness();
    harness.breakLedger();

    const result = await harness.run(sampleEvent('alarm-production'));
    const held = await harness.record('prod-140');
    const ledgerWhileBroken = (await harness.history.controls.readHead('production'))?.rollbacks ?? [];
    harness.breakLedger(false);
    harness.clock.advance(LEASE_EXPIRED_MS);
    await harness.reconcile();

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'stage' });
    expect(held?.rollback?.leaseExpiresAt).toBeDefined();
    expect(ledgerWhileBroken).toEqual([]);
    expect((await harness.record('prod-140'))?.rollback?.leaseExpiresAt).toBeUndefined();
    expect((await harness.history.controls.readHead('production'))?.rollbacks).toEqual([
      expect.objectContaining({ deploymentId: 'prod-140', trigger: 'alarm', finishedAt: held?.rollback?.finishedAt }),
    ]);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
  });
});
