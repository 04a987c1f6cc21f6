/**
 * Every metric the orchestrator emits (namespace METRICS_NAMESPACE, dimensions service and
 * environment). The self-alarms and the dashboard read these same names.
 */
export const METRIC = {
  rollbacks: 'Rollbacks',
  /** Rollbacks automation started (alarms, failed deploys): what the hourly limit and its self-alarm count. */
  automaticRollbacks: 'AutomaticRollbacks',
  rollbackDuration: 'RollbackDuration',
  rollbackFailed: 'RollbackFailed',
  /** Restored, but no evidence showed it recovered (no traffic, no datapoints): a person should look. */
  rollbackUnverified: 'RollbackUnverified',
  /** From the alarm that fired to the first traffic restore done (ms): every second of it is outage. */
  timeToRestore: 'TimeToRestore',
  /** From a restore to the validator's verdict on it (ms). */
  timeToVerdict: 'TimeToVerdict',
  rollbackSkipped: 'RollbackSkipped',
  /** Observe mode: a rollback that would have happened. */
  rollbackObserved: 'RollbackObserved',
  validationFailed: 'ValidationFailed',
  /** A run stopped and left itself to the reconciler (validator unreachable, journal unwritable, out of time). */
  runHandedOver: 'RunHandedOver',
  /** An announcement the results topic did not take (it went to the failed-events queue, or nowhere). */
  notificationFailed: 'NotificationFailed',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Self-alarm names start here, so no environment's alarm prefix may claim them (checked when the config loads). */
export const SELF_ALARM_PREFIX = 'rollback-controller-';

/**
 * The start of every self-alarm's name: "rollback-controller-shop." — the dot is a character no
 * application name holds, so a grant to `…-shop.*` never reaches an application named "shop-eu". Pure.
 */
export function selfAlarmNamePrefix(application: string): string {
  return `${SELF_ALARM_PREFIX}${application}.`;
}

/** The controller's dashboard: the stack draws it, every notification links to it. */
export function dashboardNameFor(application: string): string {
  return `${SELF_ALARM_PREFIX}${application}`;
}
