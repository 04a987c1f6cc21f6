// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { TARGET_PLUGINS } from '../targets/target-registry';
import type { DeploymentRecord } from './deployment-record';
import { ROLLBACK_LEVELS } from './run-journal';

const isoTimestamp = z.iso.datetime({ offset: false });

/**
 * How a deployment became the live one:
 * - `deployed`: it succeeded (a pipeline stage, CI's `record`, a retried stage that succeeded);
 * - `failed_after_moving_traffic`: it failed, but only after it moved a traffic target;
 * - `restored`: a rollback (stage, full or manual) put it back;
 * - `pipeline_restore`: a CodePipeline RollbackStage execution (a person's, in the console) re-deployed it.
 */
export const LIVE_CAUSES = ['deployed', 'failed_after_moving_traffic', 'restored', 'pipeline_restore'] as const;
export type LiveCause = (typeof LIVE_CAUSES)[number];

/**
 * What is live in an environment, kept as a fact on its head rather than inferred from record
 * statuses: the deployment serving traffic, since when and why, and per target type the deployment
 * whose restore point that target serves (a failed deploy may have moved only some of them).
 */
export const liveStateSchema = z.object({
  deploymentId: z.string().min(1),
  version: z.string().min(1),
  /** When it went live (the event's own time: a deployment's finish, a restore's moment). Orders every write. */
  since: isoTimestamp,
  cause: z.enum(LIVE_CAUSES),
  /** Target type → the deployment whose restore point it serves. */
  targets: z.record(z.string(), z.string()),
  /** For a restore: the deployment it replaced, the run that did it and at which level. */
  replaced: z.string().optional(),
  runId: z.string().optional(),
  level: z.enum(ROLLBACK_LEVELS).optional(),
});
export type LiveState = z.infer<typeof liveStateSchema>;

/** One event that moved traffic: what it put live, and on which targets. */
export interface LiveChange {
  deploymentId: string;
  version: string;
  since: string;
  cause: LiveCause;
  /** The target types that now serve `servedBy` (default: the deployment itself): only these change. */
  targets: readonly string[];
  /** The deployment whose restore points those targets serve (a pipeline restore's own record); default `deploymentId`. */
  servedBy?: string;
  /**
   * False when the event moved some targets but did not make the deployment the live one as a whole
   * (a restore that failed on a traffic target): the per-target map changes, the deployment does not.
   */
  movesDeployment?: boolean;
  replaced?: string;
  runId?: string;
  level?: LiveState['level'];
}

/**
 * The head's live state after an event, or undefined when the event is older than what the head
 * already holds (a late or repeated delivery must never move traffic back in the record). An event
 * for the deployment already live only adds the targets it names. Pure.
 */
export function nextLiveState(current: LiveState | undefined, change: LiveChange): LiveState | undefined {
  // Writes are serialised by the head's conditional write: of two events at the same moment, the later written wins.
  if (current && change.since < current.since) return undefined;
  const servedBy = change.servedBy ?? change.deploymentId;
  const targets = { ...(current?.targets ?? {}), ...Object.fromEntries(change.targets.map((type) => [type, servedBy])) };
  if (change.movesDeployment === false) {
    if (!current) return undefined;
    return { ...current, targets };
  }
  // The same deployment again (a repeat, or the pipeline's own RollbackStage finishing after the run
  // restored it): it has been live since it first went live, and keeps how it got there.
  if (current?.deploymentId === change.deploymentId) return { ...current, targets };
  return {
    deploymentId: change.deploymentId,
    version: change.version,
    since: change.since,
    cause: change.cause,
    targets,
    ...(change.replaced ? { replaced: change.replaced } : {}),
    ...(change.runId ? { runId: change.runId } : {}),
    ...(change.level ? { level: change.level } : {}),
  };
}

/** Target types whose restore point means live traffic moved (an alias, weights, a release pointer…). */
const TRAFFIC_TARGETS: ReadonlySet<string> = new Set(TARGET_PLUGINS.filter((plugin) => plugin.movesTraffic).map((plugin) => plugin.type));

/**
 * A failed deployment that recorded what it put live on a traffic target had moved traffic before it
 * failed (CI moved the alias, then its smoke tests failed): its version is live until replaced. Pure.
 */
export function hasMovedTraffic(record: DeploymentRecord): boolean {
  return record.status === 'failed' && Object.keys(record.restorePoints ?? {}).some((type) => TRAFFIC_TARGETS.has(type));
}

/**
 * The live change a recorded deployment makes, if any: a deployment that succeeded, one that failed
 * after moving traffic (only its traffic targets changed), or a pipeline's RollbackStage that
 * re-deployed an older one. In progress, failed without moving traffic, drills: none. Pure.
 */
export function liveChangeOfRecord(record: DeploymentRecord, restored?: DeploymentRecord): LiveChange | undefined {
  const since = record.finishedAt ?? record.startedAt;
  const recordedTypes = Object.keys(record.restorePoints ?? {});
  if (record.kind === 'deployment' && record.status === 'succeeded') {
    return { deploymentId: record.deploymentId, version: record.version, since, cause: 'deployed', targets: recordedTypes };
  }
  if (record.kind === 'deployment' && hasMovedTraffic(record)) {
    return { deploymentId: record.deploymentId, version: record.version, since, cause: 'failed_after_moving_traffic', targets: recordedTypes.filter((type) => TRAFFIC_TARGETS.has(type)) };
  }
  if (record.kind === 'restore' && record.status === 'succeeded' && restored) {
    return { deploymentId: restored.deploymentId, version: restored.version, since, cause: 'pipeline_restore', targets: recordedTypes, servedBy: record.deploymentId, replaced: undefined };
  }
  return undefined;
}

/** JSON with keys sorted: two restore points read the same however their keys were ordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether two plain values (restore points, live states) are equal, whatever their keys' order. Pure. */
export function sameValue(left: unknown, right: unknown): boolean {
  return canonical(left) === canonical(right);
}

/** "1.3.0 (prod-130), restored by run r-1 at …": what is live, for people. Pure. */
export function describeLive(live: LiveState): string {
  const how = {
    deployed: 'deployed',
    failed_after_moving_traffic: 'failed after it moved traffic',
    restored: `restored${live.level ? ` (${live.level})` : ''}${live.runId ? ` by run ${live.runId}` : ''}${live.replaced ? ` over ${live.replaced}` : ''}`,
    pipeline_restore: 'restored by a CodePipeline RollbackStage',
  }[live.cause];
  return `${live.version} (${live.deploymentId}), ${how}, live since ${live.since}`;
}
