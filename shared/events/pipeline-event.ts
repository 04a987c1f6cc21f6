// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { cloudWatchTimestamp } from './alarm-event';

export const STAGE_STATES = ['STARTED', 'RESUMED', 'SUCCEEDED', 'FAILED', 'STOPPING', 'STOPPED', 'CANCELED', 'SUPERSEDED'] as const;
export type StageState = (typeof STAGE_STATES)[number];

/** EventBridge "CodePipeline Stage Execution State Change" from aws.codepipeline. */
export const stageExecutionEventSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.literal('CodePipeline Stage Execution State Change'),
  source: z.literal('aws.codepipeline'),
  time: cloudWatchTimestamp,
  region: z.string().optional(),
  account: z.string().optional(),
  detail: z.object({
    pipeline: z.string().min(1),
    'execution-id': z.string().min(1),
    stage: z.string().min(1),
    state: z.enum(STAGE_STATES),
    version: z.number().optional(),
  }),
});
export type StageExecutionEvent = z.output<typeof stageExecutionEventSchema>;
