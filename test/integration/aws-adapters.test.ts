import { ConflictException, GetPipelineExecutionCommand, GetPipelineStateCommand, PipelineExecutionNotStoppableException, RollbackStageCommand, StopPipelineExecutionCommand, UnableToRollbackStageException } from '@aws-sdk/client-codepipeline';
import { TooManyRequestsException } from '@aws-sdk/client-lambda';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { subjectFor } from '../../shared/notify/sns-notifier';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { codePipelineStageDriver } from '../../shared/targets/codepipeline-stage/aws';
import type { CodePipelineStageConfig, CodePipelineStagePoint } from '../../shared/targets/codepipeline-stage/codepipeline-stage-rules';
import type { TargetRestoreRequest } from '../../shared/targets/target-plugin';
import { LambdaValidatorClient } from '../../shared/validation/lambda-validator-client';
import { ValidatorUnavailableError } from '../../shared/validation/validation-contract';
import { lambdaMock, pipelineMock } from '../helpers/orchestrator-harness';

const stage: CodePipelineStageConfig = { type: 'codepipeline-stage', pipeline: 'demo-shop-release', stage: 'DeployProduction' };
const request: TargetRestoreRequest<CodePipelineStageConfig, CodePipelineStagePoint> = {
  environment: 'production',
  runId: 'run-1',
  config: stage,
  from: { executionId: 'exec-140' },
  to: { executionId: 'exec-130' },
  fromVersion: '1.4.0',
  fromDeploymentId: 'bad-1',
  toVersion: '1.3.0',
  toDeploymentId: 'prod-130',
  reason: 'alarm x',
  simulate: false,
  resumed: false,
};

describe('CodePipeline stage target', () => {
  const waits: number[] = [];
  const target = codePipelineStageDriver(awsClientFactory({ base: { region: 'eu-west-1' } }), { sleep: async (ms) => void waits.push(ms) });

  beforeEach(() => {
    pipelineMock.reset();
    waits.length = 0;
    pipelineMock.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { executionType: 'STANDARD' } });
    pipelineMock.on(StopPipelineExecutionCommand).resolves({});
  });

  it('retries RollbackStage on ConflictException with growing waits, then succeeds', async () => {
    pipelineMock.on(RollbackStageCommand).rejectsOnce(new ConflictException({ message: 'stage busy', $metadata: {} })).rejectsOnce(new ConflictException({ message: 'stage busy', $metadata: {} })).resolves({ pipelineExecutionId: 'exec-rb' });

    const result = await target.restore(request);

    expect(result).toMatchObject({ outcome: 'restored', expectations: [{ target: 'codepipeline-stage', pipeline: 'demo-shop-release', stage: 'DeployProduction', executionId: 'exec-rb' }] });
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

  it('on a resumed run, finds the rollback an earlier attempt started instead of starting a second one', async () => {
    pipelineMock.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: 'exec-rb-earlier', status: 'InProgress' } }] });
    pipelineMock.on(GetPipelineExecutionCommand, { pipelineName: 'demo-shop-release', pipelineExecutionId: 'exec-rb-earlier' }).resolves({
      pipelineExecution: { executionType: 'ROLLBACK', rollbackMetadata: { rollbackTargetPipelineExecutionId: 'exec-130' } },
    });

    const result = await target.restore({ ...request, resumed: true });

    expect(result).toMatchObject({ outcome: 'restored', expectations: [{ executionId: 'exec-rb-earlier' }], detail: expect.stringContaining('started by an earlier attempt') });
    expect(pipelineMock.commandCalls(GetPipelineStateCommand)[0]?.args[0].input).toEqual({ name: 'demo-shop-release' });
    expect(pipelineMock.commandCalls(StopPipelineExecutionCommand)).toHaveLength(0);
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(0);
  });

  it('on a resumed run whose earlier attempt never got to RollbackStage, rolls the stage back', async () => {
    pipelineMock.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: 'exec-140', status: 'Succeeded' } }] });
    pipelineMock.on(RollbackStageCommand).resolves({ pipelineExecutionId: 'exec-rb' });

    expect(await target.restore({ ...request, resumed: true })).toMatchObject({ outcome: 'restored', expectations: [{ executionId: 'exec-rb' }] });
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(1);
  });

  it('stops the bad execution and rolls the stage back to the known-good one, with the exact inputs', async () => {
    pipelineMock.on(RollbackStageCommand).resolves({ pipelineExecutionId: 'exec-rb' });

    expect(await target.restore(request)).toEqual({
      outcome: 'restored',
      detail: 'stopped exec-140; demo-shop-release/DeployProduction rolling back to exec-130 (execution exec-rb)',
      expectations: [{ target: 'codepipeline-stage', pipeline: 'demo-shop-release', stage: 'DeployProduction', executionId: 'exec-rb' }],
    });
    expect(pipelineMock.commandCalls(StopPipelineExecutionCommand).map((call) => call.args[0].input)).toEqual([
      { pipelineName: 'demo-shop-release', pipelineExecutionId: 'exec-140', abandon: true, reason: 'rollback-controller: alarm x' },
    ]);
    expect(pipelineMock.commandCalls(RollbackStageCommand).map((call) => call.args[0].input)).toEqual([
      { pipelineName: 'demo-shop-release', stageName: 'DeployProduction', targetPipelineExecutionId: 'exec-130' },
    ]);
  });

  it('in a drill reads the known-good execution and says what it would do, changing nothing', async () => {
    expect(await target.restore({ ...request, simulate: true })).toEqual({ outcome: 'would_restore', detail: 'would stop execution exec-140 and roll demo-shop-release/DeployProduction back to execution exec-130' });
    expect(pipelineMock.commandCalls(StopPipelineExecutionCommand)).toHaveLength(0);
    expect(pipelineMock.commandCalls(RollbackStageCommand)).toHaveLength(0);
  });
});

describe('validator client', () => {
  const validator = new LambdaValidatorClient(async () => new LambdaClient({ region: 'eu-west-1' }), 'validator');
  const validationRequest = { environments: [{ name: 'production', alarmPrefixes: ['p-'] }], budgetMs: 1000, pollIntervalMs: 100, consecutivePasses: 1 };
  const payload = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)) as never;

  beforeEach(() => lambdaMock.reset());

  it('returns the verdict the validator gave', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ success: false, reason: 'alarm A is ALARM', timestamp: '2026-11-23T10:00:00.000Z' }) });

    expect(await validator.validate(validationRequest)).toMatchObject({ success: false, reason: 'alarm A is ALARM' });
    expect(lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input).toMatchObject({ FunctionName: 'validator', InvocationType: 'RequestResponse' });
  });

  it.each([
    ['crashed (FunctionError)', () => lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorType: 'Runtime.ExitError', errorMessage: 'Task timed out after 300.00 seconds' }) }), 'validator failed (Unhandled): Runtime.ExitError Task timed out after 300.00 seconds'],
    ['timed out on the client', () => lambdaMock.on(InvokeCommand).rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })), 'validator unavailable: TimeoutError: socket timed out'],
    ['throttled', () => lambdaMock.on(InvokeCommand).rejects(new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: {} })), 'validator unavailable: TooManyRequestsException: Rate Exceeded.'],
    ['answered nonsense', () => lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('{"ok":true}') }), 'validator returned an unreadable result: {"ok":true}'],
  ])('is unavailable, not a failed validation, when it %s', async (_, arrange, message) => {
    arrange();

    const failure = await validator.validate(validationRequest).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ValidatorUnavailableError);
    expect((failure as Error).message).toBe(message);
  });
});

describe('SNS subject', () => {
  it('stays within 100 printable ASCII characters', () => {
    const subject = subjectFor({ type: 'rollback_result', severity: 'warning', environment: 'production', fromVersion: `1.4.0-${'é'.repeat(120)}`, outcome: 'rolled_back', reason: '', durationMs: 1, drill: false, timeline: [] });

    expect(subject).toHaveLength(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});
