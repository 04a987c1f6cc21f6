// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

const requestedBy = z.string().trim().min(1, 'must say who asked (a person or a bot)').max(200);
const environment = z.string().trim().min(1, 'must name the environment').max(64);
/** Optional caller-supplied id: makes a retried request resume instead of starting twice. */
const requestId = z.string().regex(/^[\w.:-]{1,100}$/, 'must be letters, digits and . _ : - (at most 100)').optional();

/** A person asks to roll an environment back, optionally to a named version from its history. */
export const manualRollbackRequestSchema = z.strictObject({
  action: z.literal('rollback'),
  environment,
  targetVersion: z.string().trim().min(1, 'must not be empty when given').max(128).optional(),
  reason: z.string().trim().min(3, 'must say why (at least 3 characters)').max(1_000),
  requestedBy,
  requestId,
  /** Roll back past a deployment recorded irreversible: a person's decision, never automation's. */
  force: z.boolean().optional(),
});
export type ManualRollbackRequest = z.output<typeof manualRollbackRequestSchema>;

/**
 * A deploy failed after it moved traffic (the recorder, on a CodePipeline stage FAILED, or
 * `rollbackctl record --status failed --rollback`): roll that deployment back, where the
 * environment's `rollbackOnDeployFailure` allows it, through the same claim, guards and validation.
 */
export const deployFailureRequestSchema = z.strictObject({
  action: z.literal('deploy_failed'),
  environment,
  deploymentId: z.string().trim().min(1).max(200),
  requestedBy,
  requestId,
});
export type DeployFailureRequest = z.output<typeof deployFailureRequestSchema>;

/** A rehearsal: every read for real, every write simulated, announced as a drill. */
export const drillRequestSchema = z.strictObject({
  action: z.literal('drill'),
  environment,
  /** The alarm the drill pretends fired (defaults to a name from the environment's first prefix). */
  alarmName: z.string().trim().min(1).max(255).optional(),
  requestedBy,
  requestId,
});
export type DrillRequest = z.output<typeof drillRequestSchema>;

/** Drills in one request, at most this many: a schedule per batch keeps the stack's resources O(1) per environment. */
export const DRILL_BATCH_SIZE = 25;

/** The scheduled drills of several environments in one request: each is the drill it would be on its own. */
export const drillBatchRequestSchema = z.strictObject({
  action: z.literal('drill'),
  environments: z.array(environment).min(1).max(DRILL_BATCH_SIZE),
  requestedBy,
  requestId,
});
export type DrillBatchRequest = z.output<typeof drillBatchRequestSchema>;
