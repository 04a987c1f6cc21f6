import { InvokeCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { createTestHistory } from '../helpers/history-table';
import { fakeContext, stubFunctionEnvironment } from '../helpers/lambda-context';
import { DEMO_HISTORY, healthy, lambdaMock, sampleEvent, snsMock, TOPIC_ARN, VALIDATOR_FUNCTION } from '../helpers/orchestrator-harness';

type Handler = (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<RollbackRunResult>;

describe('orchestrator handler', () => {
  let handler: Handler;
  let history: Awaited<ReturnType<typeof createTestHistory>>;

  beforeAll(async () => {
    history = await createTestHistory();
    for (const { at, ...spec } of DEMO_HISTORY) await history.store.recordDeployment({ ...spec, at: new Date(at), source: 'codepipeline' });
    stubFunctionEnvironment({ HISTORY_TABLE_NAME: history.tableName, VALIDATOR_FUNCTION_NAME: VALIDATOR_FUNCTION, RESULT_TOPIC_ARN: TOPIC_ARN });
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

  it('rolls production back through the real wiring: DynamoDB Local, alias, validator, SNS', async () => {
    lambdaMock.reset();
    snsMock.reset();
    lambdaMock.on(UpdateAliasCommand).resolves({});
    lambdaMock.on(InvokeCommand).resolves(healthy);
    snsMock.on(PublishCommand).resolves({});

    const result = await handler({ ...sampleEvent('manual-rollback'), environment: 'staging' }, fakeContext({ remainingMs: 900_000 }));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'manual', environment: 'staging', deploymentId: 'stag-140', toVersion: '1.3.0' });
    expect(lambdaMock.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input.FunctionVersion).sort()).toEqual(['11', '31']);
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn).toBe(TOPIC_ARN);
    expect((await history.store.getDeployment('stag-140'))?.status).toBe('rolled_back');
  });
});
