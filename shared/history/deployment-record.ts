// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { journalStepSchema, ROLLBACK_LEVELS, RUN_MODES } from './run-journal';

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

export { MAX_TIMELINE_STEPS, ROLLBACK_LEVELS, type RollbackLevel } from './run-journal';

const isoTimestamp = z.iso.datetime({ offset: false });

export const rollbackTriggerSchema = z.object({
  /** deploy_failure: a deployment failed after it moved traffic (rollbackOnDeployFailure). */
  type: z.enum(['alarm', 'manual', 'drill', 'deploy_failure']),
  alarmName: z.string().optional(),
  requestedBy: z.string().optional(),
  /** The IAM identity Lambda verified for a request through the request URL; `requestedBy` is the name it gave. */
  verifiedBy: z.string().optional(),
  eventId: z.string().optional(),
});
export type RollbackTrigger = z.infer<typeof rollbackTriggerSchema>;

/** Statuses a rollback may start from: live deployments, and a failed rollback a person retries. */
export const CLAIMABLE_STATUSES = ['in_progress', 'succeeded', 'failed', 'rollback_failed'] as const;

export const rollbackDetailsSchema = z.object({
  runId: z.string(),
  mode: z.enum(RUN_MODES),
  /** The invocation driving the run now: one driver per run. */
  holder: z.string().optional(),
  /**
   * Present while the run is unfinished — until its outcome is announced. Once it is past (or a
   * run handed over and set it to now), another invocation may resume the run; nobody sooner.
   */
  leaseExpiresAt: isoTimestamp.optional(),
  previousStatus: z.enum(CLAIMABLE_STATUSES),
  trigger: rollbackTriggerSchema,
  startedAt: isoTimestamp,
  level: z.enum(ROLLBACK_LEVELS).optional(),
  reason: z.string().optional(),
  targetDeploymentId: z.string().optional(),
  targetVersion: z.string().optional(),
  finishedAt: isoTimestamp.optional(),
  /** Another environment's record in a full rollback: the record that holds the run's journal. */
  partOf: z.string().optional(),
  /** The restore stayed but no evidence showed it recovered: the run ended `unverified` (status rolled_back). */
  verdict: z.literal('unverified').optional(),
  /** How many invocations took this run on (the claim, then each resume): counted by the takeover write itself, so every attempt counts, journaled or not. */
  attempts: z.number().int().min(1).optional(),
  /** The run before this one on the same deployment (a person acting after automation failed). */
  previousRun: z
    .object({ runId: z.string(), outcome: z.string(), level: z.enum(ROLLBACK_LEVELS).optional(), reason: z.string().optional(), finishedAt: isoTimestamp.optional() })
    .optional(),
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
  /** Per target type, what this deployment put live (alias versions, release, weights, task definition…): what a rollback to it restores. */
  restorePoints: z.record(z.string(), z.unknown()).optional(),
  /** Why some targets' restore points were not recorded (another execution entered the stage first): a rollback to it cannot restore those. */
  restorePointsUnknown: z.string().max(1000).optional(),
  /** The pipeline execution that recorded it (provenance: the recorder's key). */
  pipeline: pipelineRefSchema.optional(),
  /** The CodePipeline stage state as reported (e.g. STOPPED, SUPERSEDED behind a failed status). */
  stageState: z.string().optional(),
  /** For a restore: the deployment whose version it put back. */
  restoreOf: z.string().optional(),
  sourceRevision: z.string().optional(),
  /** Why this deployment cannot be undone by going back (a data migration…): automation never rolls back past it. */
  irreversible: z.string().min(1).max(500).optional(),
  rollback: rollbackDetailsSchema.optional(),
  rollbackEnvironment: z.string().optional(),
  rollbackStartedAt: isoTimestamp.optional(),
  /** On the reconcile queue while the run is unfinished, due when its lease runs out (see table-schema). */
  reconcileQueue: z.string().optional(),
  reconcileAt: isoTimestamp.optional(),
  /** The run journal: typed steps of every run on this record, bounded (see boundTimeline). */
  timeline: z.array(journalStepSchema).optional(),
  timelineDropped: z.number().int().nonnegative().optional(),
  /** TTL (epoch seconds) — set on drill records only. */
  expiresAt: z.number().int().optional(),
});
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;
