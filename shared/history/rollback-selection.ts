import { TARGET_PLUGINS } from '../targets/target-registry';
import type { DeploymentRecord, DeploymentStatus } from './deployment-record';

/** Statuses of a deployment whose version may still be serving traffic. */
const LIVE_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['in_progress', 'succeeded', 'rolling_back', 'rollback_failed']);

/** Target types whose restore point means live traffic moved (an alias, weights, a release pointer…). */
const TRAFFIC_TARGETS: ReadonlySet<string> = new Set(TARGET_PLUGINS.filter((plugin) => plugin.movesTraffic).map((plugin) => plugin.type));

/**
 * A failed deployment that recorded what it put live on a traffic target had moved traffic before it
 * failed (CI moved the alias, then its smoke tests failed): its version is live until replaced.
 */
export function hasMovedTraffic(record: DeploymentRecord): boolean {
  return record.status === 'failed' && Object.keys(record.restorePoints ?? {}).some((type) => TRAFFIC_TARGETS.has(type));
}

function mayBeLive(record: DeploymentRecord): boolean {
  return LIVE_STATUSES.has(record.status) || hasMovedTraffic(record);
}
/** A rollback in progress or stuck: live only while nothing was deployed over it since. */
const STUCK_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['rolling_back', 'rollback_failed']);

export interface RollbackPair {
  /** The newest deployment whose version may be live (never a drill, a rolled-back one, or a failed one that moved no traffic). */
  activeDeployment?: DeploymentRecord;
  /** The newest older deployment that succeeded with a different version: what to restore. */
  lastKnownGood?: DeploymentRecord;
  /** With a requested target version: the newest succeeded record of that version, older than the active one. */
  requestedTarget?: DeploymentRecord;
  /** The newest deployment recorded irreversible that restoring the last known good would go back past (the active one included). */
  irreversibleSinceKnownGood?: DeploymentRecord;
  /** The same, for the requested target. */
  irreversibleSinceRequested?: DeploymentRecord;
}

/**
 * Picks the active deployment and the one to restore from an environment's records, newest first.
 * Pure: the store pages its one Query through this until `isSettled` says nothing more is needed.
 */
export function selectRollbackPair(recordsNewestFirst: readonly DeploymentRecord[], targetVersion?: string): RollbackPair {
  const pair: RollbackPair = {};
  let hasNewerDeployment = false;
  // The newest irreversible deployment from the active one back to where the scan is.
  let irreversibleSoFar: DeploymentRecord | undefined;
  for (const record of recordsNewestFirst) {
    if (record.kind !== 'deployment') continue;
    if (!pair.activeDeployment) {
      // A rolled-back or later deployment replaced a stuck one: a restore never goes back to it.
      const isSuperseded = STUCK_STATUSES.has(record.status) && hasNewerDeployment;
      if (mayBeLive(record) && !isSuperseded) pair.activeDeployment = record;
      if (record.status !== 'failed' || hasMovedTraffic(record)) hasNewerDeployment = true;
      if (pair.activeDeployment && record.irreversible) irreversibleSoFar = record;
      continue;
    }
    const isCandidate = record.status === 'succeeded' && record.version !== pair.activeDeployment.version;
    if (isCandidate && !pair.lastKnownGood) {
      pair.lastKnownGood = record;
      if (irreversibleSoFar) pair.irreversibleSinceKnownGood = irreversibleSoFar;
    }
    if (isCandidate && targetVersion !== undefined && record.version === targetVersion && !pair.requestedTarget) {
      pair.requestedTarget = record;
      if (irreversibleSoFar) pair.irreversibleSinceRequested = irreversibleSoFar;
    }
    // A migration in a deployment older than the target is not undone by restoring the target.
    if (record.irreversible) irreversibleSoFar ??= record;
    if (!isCandidate) continue;
    if (pair.lastKnownGood && (targetVersion === undefined || pair.requestedTarget)) break;
  }
  return pair;
}

/** Whether reading further (older) records could still change the answer. */
export function isSettled(pair: RollbackPair, targetVersion?: string): boolean {
  if (!pair.activeDeployment || !pair.lastKnownGood) return false;
  return targetVersion === undefined || pair.requestedTarget !== undefined;
}
