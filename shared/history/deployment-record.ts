// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

export const DEPLOYMENT_STATUSES = [
  'in_progress',
  'succeeded',
  'failed',
  'rolling_back',
  'rolled_back',
  'rollback_failed',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** Statuses a deployment may be recorded with by a pipeline or CI (the rest belong to rollbacks). */
export const RECORDABLE_STATUSES = ['in_progress', 'succeeded', 'failed'] as const;
export type RecordableStatus = (typeof RECORDABLE_STATUSES)[number];

export const ROLLBACK_LEVELS = ['stage', 'full', 'manual'] as const;
export type RollbackLevel = (typeof ROLLBACK_LEVELS)[number];

/** The bounded number of timeline steps kept on one record (DynamoDB items are capped at 400 KB). */
export const MAX_TIMELINE_STEPS = 100;

const isoTimestamp = z.iso.datetime({ offset: false });

export const timelineStepSchema = z.object({
  at: isoTimestamp,
  step: z.string(),
  outcome: z.enum(['ok', 'failed', 'skipped', 'info']),
  durationMs: z.number().int().nonnegative(),
  detail: z.string().optional(),
});
export type TimelineStep = z.infer<typeof timelineStepSchema>;

export const rollbackTriggerSchema = z.object({
  type: z.enum(['alarm', 'manual', 'drill']),
  alarmName: z.string().optional(),
  requestedBy: z.string().optional(),
  eventId: z.string().optional(),
});
export type RollbackTrigger = z.infer<typeof rollbackTriggerSchema>;

export const rollbackDetailsSchema = z.object({
  runId: z.string(),
  leaseExpiresAt: isoTimestamp.optional(),
  previousStatus: z.enum(['in_progress', 'succeeded']),
  trigger: rollbackTriggerSchema,
  startedAt: isoTimestamp,
  level: z.enum(ROLLBACK_LEVELS).optional(),
  reason: z.string().optional(),
  targetDeploymentId: z.string().optional(),
  targetVersion: z.string().optional(),
  finishedAt: isoTimestamp.optional(),
  /** Set when a run took over another run's expired lease. */
  takenOverFrom: z.string().optional(),
});
export type RollbackDetails = z.infer<typeof rollbackDetailsSchema>;

export const pipelineRefSchema = z.object({
  name: z.string(),
  stage: z.string(),
  executionId: z.string(),
});

/** One deployment of one version to one environment, as stored (and as read back, re-checked). */
export const deploymentRecordSchema = z.object({
  deploymentId: z.string().min(1),
  /** deployment: a version put live; restore: a rollback's own re-execution (never "active"); drill: a rehearsal. */
  kind: z.enum(['deployment', 'restore', 'drill']),
  environment: z.string().min(1),
  version: z.string().min(1),
  status: z.enum(DEPLOYMENT_STATUSES),
  startedAt: isoTimestamp,
  finishedAt: isoTimestamp.optional(),
  updatedAt: isoTimestamp,
  /** Who recorded it: codepipeline, cli, or a CI system name. */
  source: z.string().min(1),
  recordedBy: z.string().optional(),
  /** Function name → Lambda version number that this deployment put behind the alias. */
  lambdaVersions: z.record(z.string(), z.string()).optional(),
  pipeline: pipelineRefSchema.optional(),
  /** The CodePipeline stage state as reported (e.g. STOPPED, SUPERSEDED behind a failed status). */
  stageState: z.string().optional(),
  /** For a restore: the deployment whose version it put back. */
  restoreOf: z.string().optional(),
  sourceRevision: z.string().optional(),
  rollback: rollbackDetailsSchema.optional(),
  rollbackEnvironment: z.string().optional(),
  rollbackStartedAt: isoTimestamp.optional(),
  timeline: z.array(timelineStepSchema).optional(),
  timelineDropped: z.number().int().nonnegative().optional(),
  /** TTL (epoch seconds) — set on drill records only. */
  expiresAt: z.number().int().optional(),
});
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;
