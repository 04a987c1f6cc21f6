/**
 * Every metric the orchestrator emits (namespace METRICS_NAMESPACE, dimensions service and
 * environment). The self-alarms and the dashboard read these same names.
 */
export const METRIC = {
  rollbacks: 'Rollbacks',
  rollbackDuration: 'RollbackDuration',
  rollbackFailed: 'RollbackFailed',
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
