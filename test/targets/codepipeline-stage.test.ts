import { CodePipelineClient, GetPipelineExecutionCommand, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { codePipelineStageTarget } from '../../shared/targets/codepipeline-stage';
import { describeTargetContract } from '../helpers/target-contract';

const config = { type: 'codepipeline-stage', pipeline: 'shop-release', stage: 'DeployProduction' };
const pipeline = 'arn:aws:codepipeline:eu-west-1:123456789012:shop-release';
const stage = `${pipeline}/DeployProduction`;

describeTargetContract({
  plugin: codePipelineStageTarget,
  config,
  bad: { executionId: 'exec-2' },
  good: { executionId: 'exec-1' },
  flagValues: ['exec-1'],
  invalid: { field: 'stage', value: 'Deploy Production', problem: 'stage: must be a CodePipeline stage name' },
  iam: {
    restore: {
      'codepipeline:GetPipelineExecution': [pipeline, stage],
      'codepipeline:StopPipelineExecution': [pipeline, stage],
      'codepipeline:RollbackStage': [pipeline, stage],
      'codepipeline:GetPipelineState': [pipeline],
    },
    check: { 'codepipeline:GetPipelineState': [pipeline] },
    capture: { 'codepipeline:GetPipelineExecution': [pipeline], 'codepipeline:GetPipelineState': [pipeline] },
    readiness: { 'codepipeline:GetPipelineExecution': [pipeline] },
  },
});

describe('the CodePipeline stage target against AWS (aws-sdk-client-mock)', () => {
  const pipelineMock = mockClient(CodePipelineClient);
  const driver = codePipelineStageTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = codePipelineStageTarget.configSchema.parse(config);

  beforeEach(() => pipelineMock.reset());

  it('captures the execution a stage event names without a call, else the stage’s latest succeeded execution', async () => {
    expect(await driver.capture(parsed, { pipelineExecution: { pipeline: 'shop-release', stage: 'DeployProduction', executionId: 'exec-9' } })).toEqual({ executionId: 'exec-9' });
    expect(pipelineMock.calls()).toHaveLength(0);
    pipelineMock.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: 'exec-8', status: 'Succeeded' } }] });

    expect(await driver.capture(parsed, {})).toEqual({ executionId: 'exec-8' });
    expect(pipelineMock.commandCalls(GetPipelineStateCommand)[0]?.args[0].input).toEqual({ name: 'shop-release' });
  });

  it.each([
    [{ executionType: 'STANDARD', status: 'Succeeded' }, { ready: true, detail: 'execution exec-7 succeeded: RollbackStage can return DeployProduction to it' }],
    [{ executionType: 'STANDARD', status: 'Failed' }, { ready: false, detail: 'execution exec-7 is Failed, not Succeeded: RollbackStage cannot return to it' }],
    [{ executionType: 'ROLLBACK', status: 'Succeeded' }, { ready: false, detail: 'execution exec-7 is itself a rollback execution: RollbackStage cannot return to it' }],
  ] as const)('is ready to roll the stage back only to an execution that succeeded and was no rollback: %j', async (execution, expected) => {
    pipelineMock.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { ...execution } });

    expect(await driver.readiness(parsed, { executionId: 'exec-7' })).toEqual(expected);
    expect(pipelineMock.commandCalls(GetPipelineExecutionCommand)[0]?.args[0].input).toEqual({ pipelineName: 'shop-release', pipelineExecutionId: 'exec-7' });
  });

  it('checks that the stage runs the rollback execution, and calls a failed one final', async () => {
    pipelineMock.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: 'exec-rb', status: 'Failed' } }] });

    expect(await driver.check(parsed, { target: 'codepipeline-stage', pipeline: 'shop-release', stage: 'DeployProduction', executionId: 'exec-rb' })).toEqual({
      passed: false,
      detail: 'latest execution exec-rb is Failed',
      isFinal: true,
    });
  });
});
