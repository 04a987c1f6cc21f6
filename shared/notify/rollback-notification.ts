import type { ClaimFacts } from '../history/run-journal';
import type { RollbackRunResult } from '../rollback/run-context';
import type { NotificationSeverity, RollbackNotification } from './notifier';

export interface NotificationContext {
  alarm?: string;
  requestedBy?: string;
  /** The IAM identity verified for the request, beside the name it gave. */
  verifiedBy?: string;
  /** For skipped runs: how bad it is that nothing was done (a cooldown is routine; a rate limit pages). */
  skipSeverity?: NotificationSeverity;
  /** This rollback reached the hourly limit: every announcement of it pages, and says why. */
  limitNotice?: string;
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
    case 'unverified':
      // Restored, and no evidence it recovered: somebody should look, nobody need be woken.
      type = 'rollback_result';
      severity = 'warning';
      break;
    case 'skipped':
      severity = context.skipSeverity ?? 'warning';
      type = severity === 'critical' && !result.drill ? 'rollback_escalation' : 'rollback_skipped';
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
    // A batch of drills: each drill announced its own.
    case 'drilled':
      return undefined;
    default: {
      const exhaustive: never = result.outcome;
      throw new Error(`unhandled outcome ${String(exhaustive)}`);
    }
  }
  const atLimit = context.limitNotice !== undefined && (result.outcome === 'rolled_back' || result.outcome === 'rollback_failed' || result.outcome === 'handed_over');
  return {
    type,
    // A drill never pages anyone: it is marked, informational when the rehearsal went well, a warning when it found a problem.
    severity: result.drill ? (result.outcome === 'rolled_back' ? 'info' : 'warning') : atLimit ? 'critical' : severity,
    environment: result.environment,
    deploymentId: result.deploymentId,
    runId: result.runId,
    fromVersion: result.fromVersion,
    toVersion: result.toVersion,
    level: result.level,
    outcome: result.outcome,
    reason: atLimit ? `${result.reason ?? ''}; ${context.limitNotice}` : (result.reason ?? ''),
    alarm: context.alarm,
    requestedBy: context.requestedBy,
    ...(context.verifiedBy ? { verifiedBy: context.verifiedBy } : {}),
    durationMs: result.durationMs,
    drill: result.drill,
    timeline: result.timeline,
  };
}

/**
 * "Rolling back now": sent as a run starts, before anything is known of the restore, so the people
 * watching hear of it in seconds rather than after validation. Drills and observe mode do not send it. Pure.
 */
export function startNotificationFor(claim: ClaimFacts, ids: { deploymentId: string; runId: string }): RollbackNotification {
  const trigger = claim.alarmName ? `alarm ${claim.alarmName}` : claim.triggerType === 'deploy_failure' ? 'a failed deploy' : `${claim.requestedBy ?? 'a person'} by hand`;
  const reason = `rolling back ${claim.environment} from ${claim.fromVersion} to ${claim.toVersion} (started by ${trigger}): ${claim.reason}`;
  return {
    type: 'rollback_started',
    severity: claim.limitNotice ? 'critical' : 'warning',
    environment: claim.environment,
    deploymentId: ids.deploymentId,
    runId: ids.runId,
    fromVersion: claim.fromVersion,
    toVersion: claim.toVersion,
    // A person's rollback restores at level manual; automation starts at stage.
    level: claim.mode === 'manual' ? 'manual' : 'stage',
    outcome: 'rolling_back',
    reason: claim.limitNotice ? `${reason}; ${claim.limitNotice}` : reason,
    alarm: claim.alarmName,
    requestedBy: claim.requestedBy,
    ...(claim.verifiedBy ? { verifiedBy: claim.verifiedBy } : {}),
    durationMs: 0,
    drill: false,
    timeline: [],
  };
}
