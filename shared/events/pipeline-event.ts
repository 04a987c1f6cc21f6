// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { cloudWatchTimestamp } from './alarm-event';

export const STAGE_STATES = ['STARTED', 'RESUMED', 'SUCCEEDED', 'FAILED', 'STOPPING', 'STOPPED', 'CANCELED', 'SUPERSEDED'] as const;
export type StageState = (typeof STAGE_STATES)[number];

/** CodePipeline's own limits on pipeline and stage names (CreatePipeline): anything else did not come from it. */
const pipelineName = z.string().regex(/^[A-Za-z0-9.@_-]{1,100}$/, 'must be a CodePipeline name (letters, digits and . @ _ -, at most 100)');
/** Execution ids are UUIDs. */
const executionId = z.string().regex(/^[0-9a-fA-F-]{1,100}$/, 'must be a pipeline execution id (a UUID)');

/** EventBridge "CodePipeline Stage Execution State Change" from aws.codepipeline. */
export const stageExecutionEventSchema = z.object({
  id: z.string().min(1).max(256),
  'detail-type': z.literal('CodePipeline Stage Execution State Change'),
  source: z.literal('aws.codepipeline'),
  time: cloudWatchTimestamp,
  region: z.string().max(32).optional(),
  account: z.string().max(12).optional(),
  detail: z.object({
    pipeline: pipelineName,
    'execution-id': executionId,
    stage: pipelineName,
    state: z.enum(STAGE_STATES),
    version: z.number().optional(),
  }),
});
export type StageExecutionEvent = z.output<typeof stageExecutionEventSchema>;
