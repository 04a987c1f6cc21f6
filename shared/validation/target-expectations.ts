// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

/** The alias must point at exactly these versions, with no weighted routing left. */
export const lambdaAliasExpectationSchema = z.object({
  target: z.literal('lambda-alias'),
  alias: z.string().min(1),
  versions: z.record(z.string(), z.string()),
});

/** The stage's latest execution must be the rollback execution RollbackStage started, and not have failed. */
export const pipelineStageExpectationSchema = z.object({
  target: z.literal('codepipeline-stage'),
  pipeline: z.string().min(1),
  stage: z.string().min(1),
  executionId: z.string().min(1),
});

/** What a restore promises the validator will observe, per kind of target. */
export const targetExpectationSchema = z.discriminatedUnion('target', [lambdaAliasExpectationSchema, pipelineStageExpectationSchema]);
export type TargetExpectation = z.output<typeof targetExpectationSchema>;
export type LambdaAliasExpectation = z.output<typeof lambdaAliasExpectationSchema>;
export type PipelineStageExpectation = z.output<typeof pipelineStageExpectationSchema>;
