import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it, vi } from 'vitest';
import { consoleLinks } from '../../shared/notify/console-links';
import type { RollbackNotification } from '../../shared/notify/notifier';
import type { JournalStep } from '../../shared/history/run-journal';
import { chatMessageFor, messageFor, SNS_MESSAGE_LIMIT_BYTES, SnsNotifier } from '../../shared/notify/sns-notifier';
import { scheduledDrillInput } from '../../infra/constructs/drill-schedules';
import { createOrchestratorHarness, DEMO_HISTORY, lambdaMock, sampleEvent, snsMock, TOPIC_ARN } from '../helpers/orchestrator-harness';

const ALARM_RUN = '0f4b7c1e-1a2b-4c3d-9e8f-prod00000001';
const LOGS = `https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Forchestrator/log-events$3FfilterPattern$3D$2522${ALARM_RUN}$2522`;
const DASHBOARD = 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/rollback-controller-demo-shop';

describe('telling people at the start, not only the end', () => {
  it('announces "rolling back now" with the alarm, the versions and the environment before the restore’s result is known', async () => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result.outcome).toBe('rolled_back');
    expect(harness.everyPublished().map((message) => message.body.type)).toEqual(['rollback_started', 'rollback_result']);
    expect(harness.starts()[0]).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: 'production rolling_back (stage) 1.4.0 -> 1.3.0',
      MessageAttributes: { type: { DataType: 'String', StringValue: 'rollback_started' }, severity: { DataType: 'String', StringValue: 'warning' } },
      body: {
        type: 'rollback_started',
        severity: 'warning',
        environment: 'production',
        deployment: 'prod-140',
        fromVersion: '1.4.0',
        toVersion: '1.3.0',
        alarm: 'demo-shop-prod-api-5xx',
        outcome: 'rolling_back',
        reason: expect.stringContaining('rolling back production from 1.4.0 to 1.3.0 (started by alarm demo-shop-prod-api-5xx)'),
      },
    });
  });

  it('does not hold the restore back while the announcement is in flight', async () => {
    const harness = await createOrchestratorHarness();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    snsMock.on(PublishCommand).callsFake(async (input: { Message: string }) => {
      if (JSON.parse(input.Message).type === 'rollback_started') await held;
      return { MessageId: 'm' };
    });

    const run = harness.run(sampleEvent('alarm-production'));
    // The aliases move while "rolling back now" is still unanswered by SNS.
    await vi.waitFor(() => expect(lambdaMock.commandCalls(UpdateAliasCommand).length).toBeGreaterThan(0), { timeout: 60_000, interval: 20 });
    expect(harness.published()).toHaveLength(0);
    release();
    const result = await run;

    expect(result.outcome).toBe('rolled_back');
    // Heard in order: the start, then the outcome.
    expect(harness.everyPublished().map((message) => message.body.type)).toEqual(['rollback_started', 'rollback_result']);
  });

  it('says a person’s rollback starts at level manual, naming who asked', async () => {
    const harness = await createOrchestratorHarness();

    await harness.run(sampleEvent('manual-rollback'));

    expect(harness.starts().map((message) => [message.Subject, message.body.requestedBy])).toEqual([['production rolling_back (manual) 1.4.0 -> 1.3.0', 'ana.oncall']]);
  });

  it('never announces a start for a drill (it changes nothing) or again on a resumed run', async () => {
    const harness = await createOrchestratorHarness();

    await harness.run(sampleEvent('drill'));

    expect(harness.starts()).toHaveLength(0);
    expect(harness.published()).toHaveLength(1);
  });

  it('links every message to the dashboard and to the run’s logs', async () => {
    const harness = await createOrchestratorHarness();

    await harness.run(sampleEvent('alarm-production'));

    for (const message of harness.everyPublished()) expect(message.body.links).toEqual({ dashboard: DASHBOARD, logs: LOGS });
  });
});

describe('scheduled drills', () => {
  /** What EventBridge Scheduler delivers: the schedule's input with its execution id filled in. */
  const scheduledDelivery = (environments: string[], executionId: string) => JSON.parse(scheduledDrillInput(environments).replace('<aws.scheduler.execution-id>', executionId));

  it('runs the schedule’s input as a read-only drill and announces its result; a retried delivery is the same drill', async () => {
    const harness = await createOrchestratorHarness();

    const batch = await harness.run(scheduledDelivery(['production'], 'a1b2c3d4-0000-4000-8000-000000000001'));
    const retried = await harness.run(scheduledDelivery(['production'], 'a1b2c3d4-0000-4000-8000-000000000001'));
    const [result] = batch.runs!;

    expect(batch).toMatchObject({ outcome: 'drilled', drill: true, reason: '1 drill(s): 1 would have rolled back, 0 found a problem (each announced)' });
    expect(result).toMatchObject({ outcome: 'rolled_back', drill: true, environment: 'production', runId: 'scheduled-drill-a1b2c3d4-0000-4000-8000-000000000001' });
    expect(retried.runs).toMatchObject([{ outcome: 'rolled_back', drill: true, runId: result!.runId }]);
    expect(harness.mutatingCalls()).toBe(0);
    expect(harness.published().map((message) => [message.Subject, message.body.severity])).toEqual([['[DRILL] production rolled_back (stage) 1.4.0 -> 1.3.0', 'info']]);
  });

  it('drills every environment of a scheduled batch as it would drill each alone, each announced, nothing changed', async () => {
    const harness = await createOrchestratorHarness();

    const batch = await harness.run(scheduledDelivery(['test', 'staging', 'production'], 'a1b2c3d4-0000-4000-8000-000000000003'));

    expect(batch.runs!.map((run) => [run.environment, run.outcome, run.runId]).sort()).toEqual(
      ['production', 'staging', 'test'].map((environment) => [environment, expect.any(String), 'scheduled-drill-a1b2c3d4-0000-4000-8000-000000000003']),
    );
    expect(harness.mutatingCalls()).toBe(0);
    expect(harness.published().map((message) => message.body.environment).sort()).toEqual(['production', 'staging', 'test']);
    expect(harness.published().every((message) => message.body.drill === true)).toBe(true);
  });

  it('announces a drill that finds a problem as a warning: the rollback it rehearsed could not happen', async () => {
    const harness = await createOrchestratorHarness({ history: DEMO_HISTORY.filter((spec) => spec.deploymentId !== 'prod-130' && spec.deploymentId !== 'prod-120') });

    const [result] = (await harness.run(scheduledDelivery(['production'], 'a1b2c3d4-0000-4000-8000-000000000002'))).runs!;

    expect(result).toMatchObject({ outcome: 'skipped', drill: true });
    expect(result!.reason).toContain('no known-good deployment');
    expect(harness.published().map((message) => [message.Subject?.startsWith('[DRILL]'), message.body.type, message.body.severity])).toEqual([[true, 'rollback_skipped', 'warning']]);
  });
});

describe('escalating at the limit, not after it', () => {
  it('announces the rollback that reaches maxRollbacksPerHour as critical, start and outcome, saying automation stops after it', async () => {
    const harness = await createOrchestratorHarness();
    await harness.seedAutomaticRollbacks(2);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result.outcome).toBe('rolled_back');
    expect(harness.everyPublished().map((message) => [message.body.type, message.body.severity, message.Subject?.startsWith('[CRITICAL]')])).toEqual([
      ['rollback_started', 'critical', true],
      ['rollback_result', 'critical', true],
    ]);
    for (const message of harness.everyPublished()) expect(message.body.reason).toContain('rollback 3 of 3 allowed per hour in production: automation stops after this one');
    expect(result.timeline[0]).toMatchObject({ step: 'claim', facts: { limitNotice: expect.stringContaining('rollback 3 of 3') } });
  });

  it('keeps a rollback below the limit a warning', async () => {
    const harness = await createOrchestratorHarness();

    await harness.run(sampleEvent('alarm-production'));

    expect(harness.everyPublished().map((message) => message.body.severity)).toEqual(['warning', 'warning']);
  });
});

const notification: RollbackNotification = {
  type: 'rollback_escalation',
  severity: 'critical',
  environment: 'production',
  deploymentId: 'prod-140',
  runId: 'run-1',
  fromVersion: '1.4.0',
  toVersion: '1.3.0',
  level: 'full',
  outcome: 'rollback_failed',
  reason: 'full rollback did not validate',
  alarm: 'demo-shop-prod-api-5xx',
  durationMs: 1_000,
  drill: false,
  timeline: [],
};

describe('the SNS adapter', () => {
  it('publishes an AWS Chatbot custom notification to the chat topic alongside the outcome, threaded per run', async () => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    const notifier = new SnsNotifier(async () => new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN, {
      links: { region: 'eu-west-1', dashboardName: 'rollback-controller-demo-shop' },
      chatTopicArn: 'arn:aws:sns:eu-west-1:123456789012:rollback-chat',
    });

    await notifier.notify(notification);

    const chat = snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input).find((input) => input.TopicArn?.endsWith('rollback-chat'))!;
    expect(Object.keys(chat).sort()).toEqual(['Message', 'TopicArn']);
    expect(JSON.parse(chat.Message!)).toEqual({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: ':rotating_light: [CRITICAL] production rollback_failed (full) 1.4.0 -> 1.3.0',
        description: `full rollback did not validate\n*Alarm:* demo-shop-prod-api-5xx\n*Deployment:* prod-140\n<${DASHBOARD}|Dashboard>`,
        nextSteps: [
          'A person must act now: `rollbackctl history --env production`, then `rollbackctl rollback --env production --to <version>`',
          'See the runbook: docs/runbook.md',
        ],
        keywords: ['production', 'critical', 'rollback_failed'],
      },
      metadata: {
        threadId: 'production-run-1',
        summary: '[CRITICAL] production rollback_failed (full) 1.4.0 -> 1.3.0',
        eventType: 'rollback_escalation',
        additionalContext: { environment: 'production', severity: 'critical', drill: 'false' },
      },
    });
  });

  it('still delivers the outcome when the chat topic refuses, and reports the refusal', async () => {
    snsMock.reset();
    snsMock.on(PublishCommand, { TopicArn: TOPIC_ARN }).resolves({ MessageId: 'm' });
    snsMock.on(PublishCommand, { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:rollback-chat' }).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationErrorException' }));
    const refusals: string[] = [];
    const notifier = new SnsNotifier(async () => new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN, {
      chatTopicArn: 'arn:aws:sns:eu-west-1:123456789012:rollback-chat',
      onChatFailure: (error) => refusals.push(error.name),
    });

    expect(await notifier.notify(notification)).toBe('published');
    expect(refusals).toEqual(['AuthorizationErrorException']);
  });

  it('writes console links the way the CloudWatch console reads them, and no logs link without a run', () => {
    expect(consoleLinks({ region: 'us-east-1', dashboardName: 'rollback-controller-shop', logGroupName: '/aws/lambda/my fn' }, 'run 1')).toEqual({
      dashboard: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/rollback-controller-shop',
      logs: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fmy$2520fn/log-events$3FfilterPattern$3D$2522run$25201$2522',
    });
    expect(consoleLinks({ region: 'us-east-1', dashboardName: 'd', logGroupName: '/aws/lambda/x' })).toEqual({ dashboard: expect.any(String) });
  });

  it('caps a chat card’s description and leaves no thread for a message without a run', () => {
    const long = JSON.parse(chatMessageFor({ ...notification, runId: undefined, reason: 'x'.repeat(10_000) }));

    expect(long.content.description.length).toBeLessThanOrEqual(3_000);
    expect(long.metadata.threadId).toBeUndefined();
  });
});

describe('the verdict in the notification', () => {
  const validation: JournalStep = {
    step: 'full-validation',
    runId: 'run-1',
    at: '2026-11-23T10:03:00.000Z',
    durationMs: 70_000,
    outcome: 'failed',
    detail: 'production alarm demo-shop-prod-api-5xx: 7 for the period from 2026-11-23T10:02:00.000Z breaches its threshold (>= 5)',
    facts: {
      passed: false,
      rounds: 8,
      verdict: 'not_recovered',
      concludedBy: 'alarm_breaching',
      decidedBy: { environment: 'production', check: 'alarm demo-shop-prod-api-5xx', detail: '7 for the period from 2026-11-23T10:02:00.000Z breaches its threshold (>= 5)', at: '2026-11-23T10:03:00.000Z' },
      evidence: [
        { environment: 'production', check: 'alarm demo-shop-prod-api-5xx', verdict: 'not_recovered', basis: 'datapoints', datapoints: 1, detail: '7 for the period from 2026-11-23T10:02:00.000Z breaches its threshold (>= 5)' },
        { environment: 'production', check: 'traffic demo-shop-prod-api', verdict: 'inconclusive', basis: 'traffic', datapoints: 0, detail: 'no invocations since the restore yet' },
      ],
    },
  } as JournalStep;

  it('carries the verdict, what decided it and when, and each piece of evidence with its datapoints, in the body and the chat card', () => {
    const body = JSON.parse(messageFor({ ...notification, timeline: [validation] }));
    const card = JSON.parse(chatMessageFor({ ...notification, timeline: [validation] }));

    expect(body.validation).toEqual({
      level: 'full',
      verdict: 'not_recovered',
      rounds: 8,
      concludedBy: 'alarm_breaching',
      decidedBy: { environment: 'production', check: 'alarm demo-shop-prod-api-5xx', detail: '7 for the period from 2026-11-23T10:02:00.000Z breaches its threshold (>= 5)', at: '2026-11-23T10:03:00.000Z' },
      evidence: (validation.facts as { evidence: unknown[] }).evidence,
    });
    expect(card.content.description).toContain('*Verdict:* not_recovered (full) — decided by production alarm demo-shop-prod-api-5xx: not_recovered, 1 datapoint(s) — 7 for the period from 2026-11-23T10:02:00.000Z breaches its threshold (>= 5)');
  });

  it('always fits SNS’s 256 KiB: a 100-step timeline of 10 KB details is cut, its middle left out and counted, the verdict and the last step kept', () => {
    const steps = Array.from({ length: 99 }, (_, index) => ({ step: 'stage-rollback', runId: 'run-1', at: '2026-11-23T10:00:00.000Z', durationMs: 1, outcome: 'ok', detail: `step ${index} ${'é'.repeat(5_000)}`, facts: { environments: [] } }) as unknown as JournalStep);
    const text = messageFor({ ...notification, reason: 'r'.repeat(300_000), timeline: [...steps, validation] });
    const body = JSON.parse(text);

    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT_BYTES);
    expect(body.validation.verdict).toBe('not_recovered');
    expect(body.timeline.at(-1).step).toBe('full-validation');
    expect(body.timeline[0].detail).toMatch(/^step 0 é+…$/);
    expect(body.omittedSteps).toBe(100 - body.timeline.length);
    expect(body.reason.length).toBeLessThanOrEqual(4_000);
    // A short run is sent whole.
    expect(JSON.parse(messageFor({ ...notification, timeline: [validation] }))).not.toHaveProperty('omittedSteps');
  });
});
