import type { DeploymentRecord } from '../history/deployment-record';
import type { NotificationSeverity } from '../notify/notifier';
import { notificationFor } from '../notify/rollback-notification';
import { deliverNotification } from './deliver-notification';
import { restoreEnvironment } from './environment-restore';
import { describeRestores } from './restore-verdict';
import type { RollbackRunResult, RunContext } from './run-context';
import type { RollbackDependencies } from './run-dependencies';

/** One observation is announced per deployment in this window at least (the cooldown when longer). */
const MIN_OBSERVE_WINDOW_MS = 5 * 60_000;

/**
 * Observe mode: everything an alarm would do up to the restore — reads, guards, the choice of what to
 * restore, each target's simulated restore (its reads are real) — then it says what it would have done
 * and changes nothing: no claim, no record moved. Announced once per deployment and window, so an alarm
 * storm during the trial week pages nobody fifty times.
 */
export async function observeRollback(context: RunContext, from: DeploymentRecord, to: DeploymentRecord, deps: RollbackDependencies, elapsed: () => number): Promise<RollbackRunResult> {
  const environment = context.environment.name;
  const window = Math.max(deps.config.policy.cooldownMinutes * 60_000, MIN_OBSERVE_WINDOW_MS);
  const base = { environment, deploymentId: from.deploymentId, fromVersion: from.version, toVersion: to.version, runId: context.runId, drill: false, timeline: [] };
  const isFirst = await deps.history.notices.isFirstNotice(`${environment}#observed#${from.deploymentId}`, new Date(deps.clock.now().getTime() + window)).catch((error: Error) => {
    deps.logger.warn('could not check whether the observation was announced', { error: error.message });
    return true;
  });
  if (!isFirst) {
    return { ...base, outcome: 'duplicate', reason: `already observed: ${environment} would roll ${from.deploymentId} back (announced once per ${Math.round(window / 60_000)} minutes)`, durationMs: elapsed() };
  }
  const restore = await restoreEnvironment(deps, { environment, fromDeploymentId: from.deploymentId, toDeploymentId: to.deploymentId, toVersion: to.version }, from, to, {
    runId: context.runId,
    reason: context.reason,
    simulate: true,
    resumed: false,
  });
  deps.logger.info('rollback observed', { environment, deploymentId: from.deploymentId, targetVersion: to.version });
  const result: RollbackRunResult = {
    ...base,
    outcome: 'observed',
    level: 'stage',
    reason: `observe mode: would roll ${environment} back from ${from.version} to ${to.version} (${context.reason}) — ${describeRestores([restore])}`,
    durationMs: elapsed(),
  };
  const notification = notificationFor(result, { alarm: context.alarmName, requestedBy: context.trigger.requestedBy, verifiedBy: context.trigger.verifiedBy })!;
  const delivery = await deliverNotification(deps, notification);
  return { ...result, notification: { type: notification.type, severity: notification.severity as NotificationSeverity, delivery } };
}
