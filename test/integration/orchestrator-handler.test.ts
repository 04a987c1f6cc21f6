import { InvokeCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { createTestHistory } from '../helpers/history-table';
import { fakeContext, stubFunctionEnvironment } from '../helpers/lambda-context';
import { loadConfig } from '../../shared/config';
import type { FunctionUrlResponse } from '../../shared/rollback/answer-invocation';
import { DEMO_HISTORY, harnessConfig, healthy, lambdaMock, ON_CALL_ARN, sampleEvent, snsMock, throughRequestUrl, TOPIC_ARN, VALIDATOR_FUNCTION } from '../helpers/orchestrator-harness';

const FAILED_EVENTS_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/rollback-failed-events';
const sqsMock = mockClient(SQSClient);

type Handler = (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<RollbackRunResult | FunctionUrlResponse>;

describe('orchestrator handler', () => {
  let handler: Handler;
  let history: Awaited<ReturnType<typeof createTestHistory>>;

  beforeAll(async () => {
    history = await createTestHistory();
    for (const { at, ...spec } of DEMO_HISTORY) await history.deployments.recordDeployment({ ...spec, at: new Date(at), source: 'codepipeline' });
    stubFunctionEnvironment({
      HISTORY_TABLE_NAME: history.tableName,
      VALIDATOR_FUNCTION_NAME: VALIDATOR_FUNCTION,
      RESULT_TOPIC_ARN: TOPIC_ARN,
      FAILED_EVENTS_QUEUE_URL: FAILED_EVENTS_QUEUE_URL,
      REFUSED_REQUESTER_ROLES: 'arn:aws:iam::123456789012:role/rc-RecorderServiceRole1,arn:aws:iam::123456789012:role/rc-DrillsRole2',
    }, harnessConfig(loadConfig('rollback.config.json')));
    ({ handler } = (await import('../../functions/orchestrator/handler')) as unknown as { handler: Handler });
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  it('answers an OK alarm with ignored and never throws', async () => {
    const result = await handler(sampleEvent('alarm-ok'), fakeContext());

    expect(result).toMatchObject({ outcome: 'ignored', drill: false, timeline: [] });
  });

  it('answers garbage with rejected instead of throwing (a throw would be retried forever)', async () => {
    await expect(handler({ surprise: 1 }, fakeContext())).resolves.toMatchObject({ outcome: 'rejected' });
  });

  it('refuses, through the URL, the roles the stack names as its own (REFUSED_REQUESTER_ROLES), and a manual rollback invoked directly', async () => {
    const recorder = await handler(throughRequestUrl(sampleEvent('manual-rollback'), 'arn:aws:sts::123456789012:assumed-role/rc-RecorderServiceRole1/rc-Recorder'), fakeContext());
    const direct = await handler(sampleEvent('manual-rollback'), fakeContext());

    expect(recorder).toMatchObject({ statusCode: 403 });
    expect(JSON.parse((recorder as FunctionUrlResponse).body)).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining("the controller's own role") });
    expect(direct).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('request URL') });
    expect((await history.deployments.getDeployment('prod-140'))?.status).toBe('succeeded');
  });

  it('rolls production back through the real wiring: DynamoDB Local, alias, validator, SNS', async () => {
    lambdaMock.reset();
    snsMock.reset();
    lambdaMock.on(UpdateAliasCommand).resolves({});
    lambdaMock.on(InvokeCommand).resolves(healthy);
    snsMock.on(PublishCommand).resolves({});

    const response = await handler(throughRequestUrl({ ...sampleEvent('manual-rollback'), environment: 'staging' }), fakeContext({ remainingMs: 900_000 }));

    // Through the request URL (IAM auth): an HTTP answer carrying the run's result.
    expect(response).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    const result = JSON.parse((response as FunctionUrlResponse).body) as RollbackRunResult;
    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'manual', environment: 'staging', deploymentId: 'stag-140', toVersion: '1.3.0' });
    expect((await history.deployments.getDeployment('stag-140'))?.rollback?.trigger.verifiedBy).toBe(ON_CALL_ARN);
    expect(lambdaMock.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input.FunctionVersion).sort()).toEqual(['11', '31']);
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn).toBe(TOPIC_ARN);
    expect((await history.deployments.getDeployment('stag-140'))?.status).toBe('rolled_back');
  });

  it('sends the outcome to the failed-events queue when the results topic refuses it, and says so in the answer', async () => {
    lambdaMock.reset();
    snsMock.reset();
    sqsMock.reset();
    lambdaMock.on(UpdateAliasCommand).resolves({});
    lambdaMock.on(InvokeCommand).resolves(healthy);
    snsMock.on(PublishCommand).rejects(Object.assign(new Error('KMS key is disabled'), { name: 'KMSDisabledException' }));
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'q-1' });

    const response = await handler(throughRequestUrl({ ...sampleEvent('manual-rollback'), environment: 'test', requestId: 'manual-sns-down' }), fakeContext({ remainingMs: 900_000 }));
    const result = JSON.parse((response as FunctionUrlResponse).body) as RollbackRunResult;

    expect(result).toMatchObject({ outcome: 'rolled_back', environment: 'test', notification: { type: 'rollback_result', delivery: 'fallback' } });
    // The start went the same way; the outcome is the last message.
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(2);
    const sent = sqsMock.commandCalls(SendMessageCommand)[1]?.args[0].input;
    expect(sent).toMatchObject({
      QueueUrl: FAILED_EVENTS_QUEUE_URL,
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'undelivered-notification' }, severity: { DataType: 'String', StringValue: 'warning' } },
    });
    expect(JSON.parse(sent!.MessageBody!)).toMatchObject({
      undeliveredNotification: { subject: 'test rolled_back (manual) 1.5.0 -> 1.4.0', message: { type: 'rollback_result', environment: 'test', outcome: 'rolled_back' } },
    });
    expect(result.timeline.at(-1)).toMatchObject({ step: 'notify', outcome: 'ok', facts: { delivery: 'fallback' } });
  });

  it('reconciles on its schedule: the first run fills each environment’s rollback ledger and checks its readiness, the next finds nothing to do', async () => {
    const first = await handler({ action: 'reconcile' }, fakeContext());
    const next = await handler({ action: 'reconcile' }, fakeContext());

    expect(first).toMatchObject({ outcome: 'reconciled', reason: expect.stringMatching(/^0 unfinished run\(s\) due, 0 resumed; every environment swept \(3\); 3 environment ledger\(s\) filled; readiness checked in 3 environment\(s\), \d not ready$/), runs: [] });
    expect(next).toMatchObject({ outcome: 'reconciled', reason: '0 unfinished run(s) due, 0 resumed', runs: [] });
  });
});
