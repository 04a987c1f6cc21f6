import { defineTarget } from '../target-plugin';
import { codePipelineStageDriver } from './aws';
import { codePipelineStageConfigSchema, codePipelineStageExpectationSchema, codePipelineStagePointSchema } from './codepipeline-stage-rules';
import { codePipelineStageTwin } from './sandbox';

/** A CodePipeline (V2) stage: the stage rolled back to the known-good execution, and its executions recorded. */
export const codePipelineStageTarget = defineTarget({
  type: 'codepipeline-stage',
  title: 'CodePipeline stage',
  movesTraffic: false,
  // An execution id: every RollbackStage starts a new execution, so what runs now never equals a recorded point.
  pointIsServedState: false,
  checkName: 'pipeline',
  configSchema: codePipelineStageConfigSchema,
  restorePointSchema: codePipelineStagePointSchema,
  expectationSchema: codePipelineStageExpectationSchema,
  describeConfig: (config) => `stage ${config.stage} of pipeline ${config.pipeline}`,
  describeRestorePoint: (point) => `execution ${point.executionId}`,
  resourceKeys: (config) => [`codepipeline ${config.roleArn ?? ''} ${config.region ?? ''} ${config.pipeline}/${config.stage}`],
  // An execution id is only ever looked up in the configured pipeline; readiness checks it can roll the stage back.
  pointProblems: () => [],
  iam: (config, arn) => {
    const pipeline = arn('codepipeline', config.pipeline);
    const stage = arn('codepipeline', `${config.pipeline}/${config.stage}`);
    return {
      restore: [
        { actions: ['codepipeline:GetPipelineExecution', 'codepipeline:StopPipelineExecution', 'codepipeline:RollbackStage'], resources: [pipeline, stage] },
        // A resumed run looks for the rollback execution an earlier attempt may have started.
        { actions: ['codepipeline:GetPipelineState'], resources: [pipeline] },
      ],
      check: [{ actions: ['codepipeline:GetPipelineState'], resources: [pipeline] }],
      // The recorder reads what an execution deployed (and whether it was itself a rollback).
      capture: [{ actions: ['codepipeline:GetPipelineExecution', 'codepipeline:GetPipelineState'], resources: [pipeline] }],
      // Whether the known good's execution is one RollbackStage can return to.
      readiness: [{ actions: ['codepipeline:GetPipelineExecution'], resources: [pipeline] }],
    };
  },
  aws: (clients) => codePipelineStageDriver(clients),
  sandbox: codePipelineStageTwin,
  demoRestorePoint: (_config, release) => ({ executionId: `demo-${release.version}` }),
  recordFlag: {
    flags: '--pipeline-execution <id>',
    description: 'the CodePipeline execution that deployed it through the stage',
    parse: (values) => ({ executionId: values.at(-1)! }),
  },
  deploysFromStage: (config) => ({ pipeline: config.pipeline, stage: config.stage }),
  scenario: {
    name: 'pipeline-refuses',
    story: 'CodePipeline refuses RollbackStage after the alias already moved production back: a warning, and the stage rollback still validates',
    refusesRestore: true,
  },
});
