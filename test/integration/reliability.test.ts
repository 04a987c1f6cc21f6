import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { invokeUntilAnswered } from '../../cli/aws/orchestrator-invoker';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { measuredResults, metricsFor } from '../../shared/rollback/run-metrics';
import { alarmDelivery, createOrchestratorHarness, prodAliasRestore, sampleEvent, snsMock } from '../helpers/orchestrator-harness';

type AlarmEvent = { time: string; detail: { state: { timestamp: string } } };

/** A new delivery of the production alarm, gone into ALARM at the harness's now. */
function alarmNow(harness: Awaited<ReturnType<typeof createOrchestratorHarness>>, id: string): AlarmEvent {
  const event = alarmDelivery('alarm-production', id) as unknown as AlarmEvent;
  event.time = event.detail.state.timestamp = harness.clock.now().toISOString();
  return event;
}

describe('nothing stuck after one failed write (DynamoDB Local + mocked AWS)', () => {
  it('a completion write that fails once is made by the resumed run: the record completes and lets go, and later alarms are not duplicates of it', async () => {
    const harness = await createOrchestratorHarness();
    harness.failOnce('complete');

    const first = await harness.run(sampleEvent('alarm-production'));
    const reconciled = await harness.reconcile();
    const restores = harness.aliasUpdates();
    harness.clock.advance(60 * 60_000);
    const later = await harness.run(alarmNow(harness, 'an-hour-later'));

    expect(first).toMatchObject({ outcome: 'handed_over' });
    expect(reconciled.runs).toEqual([expect.objectContaining({ outcome: 'rolled_back', deploymentId: 'prod-140' })]);
    const record = await harness.record('prod-140');
    expect(record).toMatchObject({ status: 'rolled_back', rollback: { level: 'stage' } });
    expect(record?.rollback?.leaseExpiresAt).toBeUndefined();
    expect(record?.timeline?.filter((step) => step.step === 'complete')).toHaveLength(1);
    expect(restores).toEqual(prodAliasRestore);
    // An hour on, past the cooldown, a new alarm is a new rollback of what is live now — never a duplicate of a stuck run.
    expect(later).toMatchObject({ outcome: 'rolled_back', fromVersion: '1.3.0', toVersion: '1.2.0' });
  });
});

describe('never twice inside the cooldown', () => {
  it('a second alarm a minute later does not roll back again while the first run still publishes its result, though its claim never reached the ledger', async () => {
    const harness = await createOrchestratorHarness();
    harness.failOnce('noteRollback');
    harness.crashAfterJournaling('complete');
    await expect(harness.run(sampleEvent('alarm-production'))).rejects.toThrow('the container died');
    const restoresBefore = harness.aliasUpdates().length;
    harness.clock.advance(30_000);
    const meanwhile = await harness.run(alarmNow(harness, 'inside-the-lease'));
    harness.clock.advance(30_000);

    const second = await harness.run(alarmNow(harness, 'a-minute-later'));

    expect(meanwhile.outcome).toBe('duplicate');
    // Its lease ran out with the dead container: the second alarm finishes the first run (announces it), never starts another.
    expect(second).toMatchObject({ outcome: 'rolled_back', runId: '0f4b7c1e-1a2b-4c3d-9e8f-prod00000001', deploymentId: 'prod-140' });
    expect(harness.aliasUpdates()).toHaveLength(restoresBefore);
    expect(await harness.record('prod-130')).toMatchObject({ status: 'succeeded' });
    expect(harness.published().map((message) => message.body.type)).toEqual(['rollback_result']);
  });
});

describe('one bad input never switches automation off', () => {
  /** What a bad write left on production's head: a pause naming nobody, and a ledger entry with an offset timestamp. */
  async function spoilHead(harness: Awaited<ReturnType<typeof createOrchestratorHarness>>) {
    await harness.history.client.send(
      new UpdateCommand({
        TableName: harness.history.tableName,
        Key: { deploymentId: 'control#production' },
        UpdateExpression: 'SET environment = :environment, startedAt = :head, pause = :pause, #bad = :entry',
        ExpressionAttributeNames: { '#bad': 'rollback#bad-entry' },
        ExpressionAttributeValues: {
          ':environment': 'production',
          ':head': '~head',
          ':pause': { by: '', reason: 'x', at: '2026-11-23T09:00:00.000Z', until: '2026-11-23T23:00:00.000Z' },
          ':entry': { deploymentId: 'prod-130', runId: 'bad-entry', startedAt: '2026-11-23T10:00:00+00:00', trigger: 'alarm' },
        },
      }),
    );
  }

  it('an alarm still acts on an environment whose head holds a malformed pause and ledger entry, and says what it left out', async () => {
    const harness = await createOrchestratorHarness();
    await spoilHead(harness);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', fromVersion: '1.4.0', toVersion: '1.3.0' });
    expect(harness.logger.lines.filter((line) => line.startsWith('environment head partly unreadable'))).toEqual([
      expect.stringContaining('the head of production holds a malformed entry rollback#bad-entry (left out; the guards read the rollbacks index instead)'),
      expect.stringContaining('the head of production holds a malformed pause (left out)'),
    ]);
  });
});

describe('a person hears how their rollback ended, never "duplicate"', () => {
  it('a copy of a manual request sent while the first runs is marked in flight, and asking again with the same id after it answers its outcome', async () => {
    const harness = await createOrchestratorHarness();
    harness.crashAfterJournaling('stage-validation');
    const request = { ...sampleEvent('manual-rollback'), requestId: 'manual-dropped-connection' };
    await expect(harness.run(request)).rejects.toThrow('the container died');

    const copy = await harness.run(request);
    harness.clock.advance(16 * 60_000);
    await harness.reconcile();
    const askedAgain = await harness.run(request);

    expect(copy).toMatchObject({ outcome: 'duplicate', inFlight: true, runId: 'manual-dropped-connection' });
    expect(askedAgain).toMatchObject({ outcome: 'rolled_back', level: 'manual', runId: 'manual-dropped-connection' });
    expect(askedAgain.inFlight).toBeUndefined();
  });

  it('rollbackctl keeps asking with the same request id while the answer says it is in flight, then gives the outcome', async () => {
    const answers: RollbackRunResult[] = [
      { outcome: 'duplicate', inFlight: true, reason: 'invocation i-1 is already rolling back prod-140', drill: false, timeline: [], durationMs: 3 },
      { outcome: 'duplicate', inFlight: true, reason: 'invocation i-1 is already rolling back prod-140', drill: false, timeline: [], durationMs: 3 },
      { outcome: 'rolled_back', level: 'manual', drill: false, timeline: [], durationMs: 40_000 },
    ];
    const waited: string[] = [];

    const result = await invokeUntilAnswered(async () => answers.shift()!, { intervalMs: 1, onWaiting: (answer) => waited.push(answer.reason!) });

    expect(result.outcome).toBe('rolled_back');
    expect(waited).toHaveLength(2);
    expect(answers).toEqual([]);
  });
});

describe('a dead run is resumed within two minutes, a stuck one escalates once', () => {
  it('a crash right after the claim (the container gone, no handover) is resumed and traffic restored within 2 minutes of the crash', async () => {
    const harness = await createOrchestratorHarness();
    harness.crashAfterJournaling('claim');
    await expect(harness.run(sampleEvent('alarm-production'))).rejects.toThrow('the container died');
    const crashedAt = harness.clock.now().getTime();

    let restoredAfterMs: number | undefined;
    // The reconciler's schedule: every minute.
    for (let tick = 1; tick <= 3 && restoredAfterMs === undefined; tick += 1) {
      harness.clock.advance(60_000);
      await harness.reconcile();
      if (harness.aliasUpdates().length > 0) restoredAfterMs = harness.clock.now().getTime() - crashedAt;
    }

    expect(restoredAfterMs).toBeLessThanOrEqual(120_000);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    expect(await harness.record('prod-140')).toMatchObject({ status: 'rolled_back', rollback: { attempts: 2 } });
  });

  it('journal writes that keep failing: every attempt counts, the handover is told once, and past its attempts the run ends rollback_failed without its journal, escalated once', async () => {
    const harness = await createOrchestratorHarness();
    harness.breakJournal();

    const first = await harness.run(sampleEvent('alarm-production'));
    for (let minute = 1; minute <= 12; minute += 1) {
      harness.clock.advance(60_000);
      await harness.reconcile();
    }

    expect(first).toMatchObject({ outcome: 'handed_over' });
    expect(harness.published().map((message) => [message.body.type, message.body.severity])).toEqual([
      ['rollback_handover', 'warning'],
      ['rollback_escalation', 'critical'],
    ]);
    const record = await harness.record('prod-140');
    expect(record).toMatchObject({ status: 'rollback_failed', rollback: { attempts: 4, reason: expect.stringMatching(/^gave up after 3 attempts: the journal could not be written/) } });
    expect(record?.rollback?.leaseExpiresAt).toBeUndefined();
    expect((await harness.history.controls.readHead('production'))?.rollbacks).toEqual([expect.objectContaining({ deploymentId: 'prod-140', finishedAt: expect.any(String) })]);
  });
});

describe('a rollback counts once in the metrics and alarms', () => {
  it('counted by the invocation that ended it: resumes retrying an announcement nobody took, and a retry answered from the record, add nothing but the failed announcements', async () => {
    const harness = await createOrchestratorHarness();
    snsMock.on(PublishCommand).rejects(Object.assign(new Error('KMS key is disabled'), { name: 'KMSDisabledException' }));
    const metricNames = (result: RollbackRunResult) => measuredResults(result).flatMap(metricsFor).map((datum) => datum.name);

    const first = await harness.run(sampleEvent('alarm-production'));
    const resumes = [];
    for (let attempt = 0; attempt < 4; attempt += 1) resumes.push(await harness.run({ action: 'reconcile' }));
    snsMock.on(PublishCommand).resolves({});
    const retried = await harness.run(sampleEvent('alarm-production'));

    expect(first).toMatchObject({ outcome: 'rolled_back', completedHere: true, notification: { delivery: 'failed' } });
    expect(metricNames(first)).toEqual(['Rollbacks', 'AutomaticRollbacks', 'RollbackDuration', 'TimeToRestore', 'TimeToVerdict', 'NotificationFailed']);
    // Two more attempts to announce, then the last (past maxRunAttempts) gives up, critical: each failed announcement counts, the rollback does not.
    expect(resumes.map((resume) => resume.runs?.map((run) => run.outcome))).toEqual([['rolled_back'], ['rolled_back'], ['rolled_back'], []]);
    expect(resumes.flatMap(metricNames)).toEqual(['NotificationFailed', 'NotificationFailed', 'NotificationFailed']);
    expect(retried.outcome).toBe('rolled_back');
    expect(metricNames(retried)).toEqual([]);
  });
});
