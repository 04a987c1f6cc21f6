import type { DeploymentRecord } from '../history/deployment-record';
import { sameValue } from '../history/live-state';
import type { DeployFailureRequest } from '../events/rollback-request';
import { targetPlugin } from '../targets/target-registry';

/** Tells the orchestrator that a deploy failed after it moved traffic (asynchronously: the recorder does not wait for the rollback). */
export interface DeployFailureReporter {
  report(request: DeployFailureRequest): Promise<void>;
}

/**
 * The traffic targets a failed deploy left on something other than what the last known good put live:
 * what it moved before it failed. Nothing when there is no known good to compare with. Pure.
 */
export function trafficMovedBy(captured: Readonly<Record<string, unknown>>, lastKnownGood: DeploymentRecord | undefined): string[] {
  if (!lastKnownGood) return [];
  return Object.entries(captured)
    .filter(([type]) => targetPlugin(type).movesTraffic)
    .filter(([type, point]) => lastKnownGood.restorePoints?.[type] !== undefined && !sameValue(point, lastKnownGood.restorePoints[type]))
    .map(([type]) => type);
}
