import { describeCoverageGap, restorePointCoverage } from '../targets/target-registry';
import type { DeploymentRecord, DeploymentStatus } from './deployment-record';
import { hasMovedTraffic, type LiveState } from './live-state';

/** Statuses of a deployment whose version may still be serving traffic (only where no live state is kept yet). */
const LIVE_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['in_progress', 'succeeded', 'rolling_back', 'rollback_failed']);

function mayBeLive(record: DeploymentRecord): boolean {
  return LIVE_STATUSES.has(record.status) || hasMovedTraffic(record);
}
/** A rollback in progress or stuck: live only while nothing was deployed over it since. */
const STUCK_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['rolling_back', 'rollback_failed']);

/** How many deployments passed over as not restorable a pair keeps, to say why there is no known good. */
const NOT_RESTORABLE_KEPT = 5;

/**
 * How the active deployment was found:
 * - `live`: the environment head keeps it as live;
 * - `rolling_back`: a run holds a rollback lease on a deployment newer than the live state (it is
 *   being rolled back: the live state already names what it restored);
 * - `deploying`: a deployment started after the live one went live and has not finished (its traffic
 *   may be moving now);
 * - `inferred`: no live state is kept yet (a table from before the upgrade, or nothing has moved
 *   traffic since): inferred from record statuses.
 */
export type ActiveBy = 'live' | 'rolling_back' | 'deploying' | 'inferred';

export interface RollbackPair {
  /** The deployment a rollback would replace. */
  activeDeployment?: DeploymentRecord;
  activeBy?: ActiveBy;
  /** The head's kept live state, when it has one. */
  live?: LiveState;
  /** The live state names a deployment the Query did not find (deleted, or past the search bound). */
  liveMissing?: string;
  /** The live deployment's record (the active one itself, unless something is in flight over it). */
  liveDeployment?: DeploymentRecord;
  /** The newest deployment below the active one that succeeded with another version and can be restored as a whole. */
  lastKnownGood?: DeploymentRecord;
  /** With a requested target version: the newest such record of that version below the active one. */
  requestedTarget?: DeploymentRecord;
  /** The requested version is there, but no record of it can be restored as a whole: why. */
  requestedNotRestorable?: { deployment: DeploymentRecord; why: string };
  /** Succeeded deployments below the active one passed over because they cannot be restored as a whole (newest first, a few), and why. */
  notRestorable?: { deploymentId: string; version: string; why: string }[];
  /** The newest deployment recorded irreversible, whatever its status, newer than the last known good. */
  irreversibleSinceKnownGood?: DeploymentRecord;
  /** The same, for the requested target. */
  irreversibleSinceRequested?: DeploymentRecord;
  /** When a rollback put the live deployment back: the deployment it replaced (its status says how that run ended). */
  restoredOver?: DeploymentRecord;
}

export interface SelectionInput {
  /** The environment's records, newest first; only kind `deployment` takes part. */
  records: readonly DeploymentRecord[];
  /** What the environment's head keeps as live. */
  live?: LiveState;
  /** The environment's configured targets: a known good records a restore point for each. */
  targets: readonly { type: string }[];
  targetVersion?: string;
}

/**
 * Picks the deployment to replace and the one to restore. The active deployment is the kept live
 * one — unless a rollback is in flight on a newer record, or a newer deployment is in progress over
 * it — and the known good is the newest older `succeeded` deployment of another version whose
 * restore points cover every configured target, each addressing the configured resource. Any
 * deployment recorded irreversible newer than that known good, whatever its status, is reported:
 * restoring would go back past its migration. Pure: the store pages its one Query through this
 * until `isSettled` says nothing more is needed.
 */
export function selectRollbackPair(input: SelectionInput): RollbackPair {
  const { live, targetVersion } = input;
  const pair: RollbackPair = { ...(live ? { live } : {}) };
  let hasNewerDeployment = false;
  // The newest irreversible deployment from the top of the history down to where the scan is.
  let irreversibleAbove: DeploymentRecord | undefined;
  for (const record of input.records) {
    if (record.kind !== 'deployment') continue;
    if (live && record.deploymentId === live.replaced) pair.restoredOver = record;
    if (!pair.activeDeployment) {
      if (live) {
        if (record.deploymentId === live.deploymentId) Object.assign(pair, { activeDeployment: record, activeBy: 'live', liveDeployment: record });
        else if (record.rollback?.leaseExpiresAt !== undefined) Object.assign(pair, { activeDeployment: record, activeBy: 'rolling_back' });
        else if (record.status === 'in_progress' && record.startedAt > live.since) Object.assign(pair, { activeDeployment: record, activeBy: 'deploying' });
      } else {
        // A rolled-back or later deployment replaced a stuck one: a restore never goes back to it.
        const isSuperseded = STUCK_STATUSES.has(record.status) && hasNewerDeployment;
        if (mayBeLive(record) && !isSuperseded) Object.assign(pair, { activeDeployment: record, activeBy: 'inferred', liveDeployment: record });
        if (record.status !== 'failed' || hasMovedTraffic(record)) hasNewerDeployment = true;
      }
      if (record.irreversible) irreversibleAbove ??= record;
      continue;
    }
    const active = pair.activeDeployment;
    if (live && record.deploymentId === live.deploymentId) pair.liveDeployment = record;
    if (record.status === 'succeeded' && record.version !== active.version) considerKnownGood(pair, record, input, irreversibleAbove);
    // A migration in the known good itself is kept by restoring it: only those above it count.
    if (record.irreversible) irreversibleAbove ??= record;
    if (isSettled(pair, targetVersion)) break;
  }
  if (live && !pair.activeDeployment) pair.liveMissing = live.deploymentId;
  return pair;
}

function considerKnownGood(pair: RollbackPair, record: DeploymentRecord, input: SelectionInput, irreversibleAbove: DeploymentRecord | undefined): void {
  const why = describeCoverageGap(restorePointCoverage(input.targets, record, pair.liveDeployment ?? pair.activeDeployment));
  const isRequested = input.targetVersion !== undefined && record.version === input.targetVersion && !pair.requestedTarget;
  if (why) {
    pair.notRestorable ??= [];
    if (pair.notRestorable.length < NOT_RESTORABLE_KEPT) pair.notRestorable.push({ deploymentId: record.deploymentId, version: record.version, why });
    if (isRequested) pair.requestedNotRestorable ??= { deployment: record, why };
    return;
  }
  if (!pair.lastKnownGood) {
    pair.lastKnownGood = record;
    if (irreversibleAbove) pair.irreversibleSinceKnownGood = irreversibleAbove;
  }
  if (isRequested) {
    pair.requestedTarget = record;
    delete pair.requestedNotRestorable;
    if (irreversibleAbove) pair.irreversibleSinceRequested = irreversibleAbove;
  }
}

/** Whether reading further (older) records could still change the answer. */
export function isSettled(pair: RollbackPair, targetVersion?: string): boolean {
  if (!pair.activeDeployment || !pair.lastKnownGood) return false;
  // The live record is read for the known good's relative checks: something in flight sits above it.
  if (pair.live && !pair.liveDeployment) return false;
  return targetVersion === undefined || pair.requestedTarget !== undefined;
}
