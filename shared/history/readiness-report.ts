// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

const isoTimestamp = z.iso.datetime({ offset: false });

/**
 * Whether the environment could be rolled back now, as last checked (read-only): the known good's
 * restore points still restorable on every target, and the targets serving what the head keeps as
 * live. Kept on the environment's head; `rollbackctl status` shows it.
 */
export const readinessReportSchema = z.object({
  checkedAt: isoTimestamp,
  /** The live deployment it was checked for, and since when it was live: a newer one makes the report due again. */
  liveDeploymentId: z.string().optional(),
  liveSince: isoTimestamp.optional(),
  knownGoodDeploymentId: z.string().optional(),
  ready: z.boolean(),
  /** What stands in the way of a rollback, one line each ("lambda-alias: demo-shop-prod-api version 41: ResourceNotFoundException…"). */
  problems: z.array(z.string()),
  /** Targets that do not serve what the head keeps as live (changed outside the controller), one line each. */
  drift: z.array(z.string()),
});
export type ReadinessReport = z.infer<typeof readinessReportSchema>;
