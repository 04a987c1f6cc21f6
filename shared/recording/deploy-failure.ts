import type { DeploymentRecord } from '../history/deployment-record';
import type { DeployFailureRequest } from '../events/rollback-request';
import { targetPlugin } from '../targets/target-registry';

/** Tells the orchestrator that a deploy failed after it moved traffic (asynchronously: the recorder does not wait for the rollback). */
export interface DeployFailureReporter {
  report(request: DeployFailureRequest): Promise<void>;
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

/**
 * The traffic targets a failed deploy left on something other than what the last known good put live:
 * what it moved before it failed. Nothing when there is no known good to compare with. Pure.
 */
export function trafficMovedBy(captured: Readonly<Record<string, unknown>>, lastKnownGood: DeploymentRecord | undefined): string[] {
  if (!lastKnownGood) return [];
  return Object.entries(captured)
    .filter(([type]) => targetPlugin(type).movesTraffic)
    .filter(([type, point]) => lastKnownGood.restorePoints?.[type] !== undefined && canonical(point) !== canonical(lastKnownGood.restorePoints[type]))
    .map(([type]) => type);
}
