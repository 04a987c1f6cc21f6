// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { targetLocationSchema, type TargetObservation } from '../target-plugin';

const pipelineName = z.string().regex(/^[A-Za-z0-9.@\-_]{1,100}$/, 'must be a CodePipeline pipeline name');

export const codePipelineStageConfigSchema = z.strictObject({
  type: z.literal('codepipeline-stage'),
  /** The (V2) pipeline and stage that deploy this environment: its executions are recorded, and rolled back. */
  pipeline: pipelineName,
  stage: z.string().regex(/^[A-Za-z0-9.@\-_]{1,100}$/, 'must be a CodePipeline stage name'),
  ...targetLocationSchema,
});
export type CodePipelineStageConfig = z.output<typeof codePipelineStageConfigSchema>;

/** The pipeline execution that deployed the version through the stage. */
export const codePipelineStagePointSchema = z.object({ executionId: z.string().min(1) });
export type CodePipelineStagePoint = z.output<typeof codePipelineStagePointSchema>;

/** The stage's latest execution must be the rollback execution RollbackStage started, and not have failed. */
export const codePipelineStageExpectationSchema = z.object({
  target: z.literal('codepipeline-stage'),
  pipeline: z.string().min(1),
  stage: z.string().min(1),
  executionId: z.string().min(1),
});
export type CodePipelineStageExpectation = z.output<typeof codePipelineStageExpectationSchema>;

/** What a stage reads as now. */
export interface StageReading {
  executionId?: string;
  status?: string;
  error?: string;
}

/** Stage execution states that mean the rolled-back execution has not failed (yet). */
const HEALTHY_STAGE_STATES = new Set(['Succeeded', 'InProgress']);

export function stageExpectation(config: CodePipelineStageConfig, executionId: string): CodePipelineStageExpectation {
  return { target: 'codepipeline-stage', pipeline: config.pipeline, stage: config.stage, executionId };
}

/** Whether the stage runs the rollback execution, and it has not failed. Pure. */
export function judgeStage(expectation: CodePipelineStageExpectation, stage: StageReading): TargetObservation {
  if (stage.error) return { passed: false, detail: stage.error, inconclusive: true };
  // The stage state can lag the RollbackStage call by a few seconds.
  if (stage.executionId !== expectation.executionId) return { passed: false, detail: `latest execution is ${stage.executionId ?? 'none'}, expected the rollback ${expectation.executionId}`, inconclusive: true };
  if (!HEALTHY_STAGE_STATES.has(stage.status ?? '')) return { passed: false, detail: `latest execution ${stage.executionId} is ${stage.status ?? 'unknown'}`, isFinal: stage.status === 'Failed' };
  return { passed: true, detail: `${expectation.stage}: ${stage.executionId} ${stage.status}` };
}
