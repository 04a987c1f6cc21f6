import { CodePipelineClient, ConflictException, GetPipelineExecutionCommand, PipelineExecutionNotStoppableException, RollbackStageCommand, StopPipelineExecutionCommand, UnableToRollbackStageException } from '@aws-sdk/client-codepipeline';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, findEnvironment } from '../../shared/config';
import { subjectFor } from '../../shared/notify/sns-notifier';
import { CodePipelineStageTarget } from '../../shared/targets/codepipeline-stage-target';
import type { RestoreRequest } from '../../shared/targets/rollback-target';
import { LambdaValidatorClient } from '../../shared/validation/lambda-validator-client';
import { DEMO_HISTORY, lambdaMock, pipelineMock } from '../helpers/orchestrator-harness';

const production = findEnvironment(loadConfig('rollback.config.json'), 'production');
const asRecord = (id: string) => {
  const { at, ...spec } = DEMO_HISTORY.find((entry) => entry.deploymentId === id)!;
  return { ...spec, kind: 'deployment' as const, startedAt: at, updatedAt: at, source: 'test', status: 'succeeded' as const };
};
const request: RestoreRequest = { environment: production, from: asRecord('prod-140'), to: asRecord('prod-130'), reason: 'alarm x', simulate: false };

describe('CodePipeline stage target', () => {
  const waits: number[] = [];
  const target = new CodePipelineStageTarget(async () => new CodePipelineClient({ region: 'eu-west-1' }), { sleep: async (ms) => void waits.push(ms) });

  beforeEach(() => {
    pipelineMock.reset();
    waits.length = 0;
    pipelineMock.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { executionType: 'STANDARD' } });
    pipelineMock.on(StopPipelineExecutionCommand).resolves({});
  });

  it('retries RollbackStage on ConflictException with growing waits, then succeeds', async () => {
    pipelineMock.on(RollbackStageCommand).rejectsOnce(new ConflictException({ message: 'stage busy', $metadata: {} })).rejectsOnce(new ConflictException({ message: 'stage busy', $metadata: {} })).resolves({ pipelineExecutionId: 'exec-rb' });

    const result = await target.restore(request);

    expect(result).toMatchObject({ outcome: 'restored', pipelineExecutionId: 'exec-rb' });
    expect(waits).toEqual([1_000, 2_000]);
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(3);
  });

  it('gives up after the last retry and ends the stage level with the reason', async () => {
    pipelineMock.on(RollbackStageCommand).rejects(new ConflictException({ message: 'stage busy', $metadata: {} }));

    const result = await target.restore(request);

    expect(result).toMatchObject({ outcome: 'failed', detail: expect.stringContaining('RollbackStage failed: ConflictException: stage busy') });
    expect(waits).toEqual([1_000, 2_000, 4_000]);
  });

  it('does not retry other errors', async () => {
    pipelineMock.on(RollbackStageCommand).rejects(new UnableToRollbackStageException({ message: 'target did not succeed in stage', $metadata: {} }));

    const result = await target.restore(request);

    expect(result.detail).toContain('UnableToRollbackStageException: target did not succeed in stage');
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(1);
  });

  it('refuses to roll back to an execution that is itself a rollback, changing nothing', async () => {
    pipelineMock.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { executionType: 'ROLLBACK' } });

    const result = await target.restore(request);

    expect(result).toMatchObject({ outcome: 'failed', detail: expect.stringContaining('is itself a rollback execution') });
    expect(pipelineMock.commandCalls(StopPipelineExecutionCommand)).toHaveLength(0);
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(0);
  });

  it('carries on when the bad execution has already finished and cannot be stopped', async () => {
    pipelineMock.on(StopPipelineExecutionCommand).rejects(new PipelineExecutionNotStoppableException({ message: 'already Succeeded', $metadata: {} }));
    pipelineMock.on(RollbackStageCommand).resolves({ pipelineExecutionId: 'exec-rb' });

    expect(await target.restore(request)).toMatchObject({ outcome: 'restored', detail: 'demo-shop-release/DeployProduction rolling back to exec-130 (execution exec-rb)' });
  });

  it('does not apply when the known-good deployment has no execution for this stage', async () => {
    expect(await target.restore({ ...request, to: { ...request.to, pipeline: undefined } })).toMatchObject({ outcome: 'not_applicable' });
    expect(pipelineMock.calls()).toHaveLength(0);
  });
});

describe('validator client', () => {
  const validator = new LambdaValidatorClient(new LambdaClient({ region: 'eu-west-1' }), 'validator', () => new Date('2026-11-23T10:00:00.000Z'));
  const validationRequest = { environments: [{ name: 'production', alarmPrefixes: ['p-'] }], budgetMs: 1000, pollIntervalMs: 100, consecutivePasses: 1 };
  const payload = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)) as never;

  beforeEach(() => lambdaMock.reset());

  it('treats a crashed validator (FunctionError) as a failed validation with its message', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorType: 'Runtime.ExitError', errorMessage: 'Task timed out after 300.00 seconds' }) });

    expect(await validator.validate(validationRequest)).toMatchObject({ success: false, reason: 'validator failed (Unhandled): Runtime.ExitError Task timed out after 300.00 seconds' });
  });

  it('treats a client-side timeout as a failed validation', async () => {
    lambdaMock.on(InvokeCommand).rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));

    expect(await validator.validate(validationRequest)).toMatchObject({ success: false, reason: 'validator did not answer in time (TimeoutError)' });
  });

  it('treats an unreadable answer as a failed validation', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('{"ok":true}') });

    expect((await validator.validate(validationRequest)).reason).toMatch(/^validator returned an unreadable result/);
  });
});

describe('SNS subject', () => {
  it('stays within 100 printable ASCII characters', () => {
    const subject = subjectFor({ type: 'rollback_result', severity: 'warning', environment: 'production', fromVersion: `1.4.0-${'é'.repeat(120)}`, outcome: 'rolled_back', reason: '', durationMs: 1, drill: false, timeline: [] });

    expect(subject).toHaveLength(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});
