import type { RollbackRunResult } from '../rollback/run-context';
import type { NotificationSeverity, RollbackNotification } from './notifier';

export interface NotificationContext {
  alarm?: string;
  requestedBy?: string;
  /** For skipped runs: how bad it is that nothing was done (a cooldown is routine; a rate limit pages). */
  skipSeverity?: NotificationSeverity;
}

/** The notification for a run's answer, or undefined when nobody needs telling (ignored, rejected, duplicate, reconciled). Pure. */
export function notificationFor(result: RollbackRunResult, context: NotificationContext): RollbackNotification | undefined {
  if (!result.environment) return undefined;
  let type: RollbackNotification['type'];
  let severity: NotificationSeverity;
  switch (result.outcome) {
    case 'rolled_back':
      type = 'rollback_result';
      severity = 'warning';
      break;
    case 'rollback_failed':
      type = 'rollback_escalation';
      severity = 'critical';
      break;
    case 'skipped':
      severity = context.skipSeverity ?? 'warning';
      type = severity === 'critical' ? 'rollback_escalation' : 'rollback_skipped';
      break;
    case 'handed_over':
      type = 'rollback_handover';
      severity = 'warning';
      break;
    case 'observed':
      type = 'rollback_observed';
      severity = 'info';
      break;
    case 'duplicate':
    case 'ignored':
    case 'rejected':
    case 'reconciled':
      return undefined;
    default: {
      const exhaustive: never = result.outcome;
      throw new Error(`unhandled outcome ${String(exhaustive)}`);
    }
  }
  return {
    type,
    // A drill never pages anyone: it is marked, and informational.
    severity: result.drill ? 'info' : severity,
    environment: result.environment,
    deploymentId: result.deploymentId,
    runId: result.runId,
    fromVersion: result.fromVersion,
    toVersion: result.toVersion,
    level: result.level,
    outcome: result.outcome,
    reason: result.reason ?? '',
    alarm: context.alarm,
    requestedBy: context.requestedBy,
    durationMs: result.durationMs,
    drill: result.drill,
    timeline: result.timeline,
  };
}
