import { METRIC, type MetricName } from '../powertools/metric-names';
import type { RollbackRunResult } from './run-context';

export interface MetricDatum {
  name: MetricName;
  unit: 'Count' | 'Milliseconds';
  value: number;
}

/** The metrics one run's answer emits (dimension: its environment); the self-alarms and dashboard read these. Pure. */
export function metricsFor(result: RollbackRunResult): MetricDatum[] {
  if (result.drill || !result.environment) return [];
  const data: MetricDatum[] = [];
  const count = (name: MetricName, value = 1) => data.push({ name, unit: 'Count', value });
  // A rollback counts once, by the invocation that ended it: a resume retrying its announcement, or a
  // retry answered from the record, would otherwise count it again (and trip the hourly-limit alarm).
  if (result.completedHere && (result.outcome === 'rolled_back' || result.outcome === 'rollback_failed')) {
    count(METRIC.rollbacks);
    if (result.mode === 'automatic') count(METRIC.automaticRollbacks);
    data.push({ name: METRIC.rollbackDuration, unit: 'Milliseconds', value: result.durationMs });
    if (result.outcome === 'rollback_failed') count(METRIC.rollbackFailed);
  }
  if (result.outcome === 'skipped') count(METRIC.rollbackSkipped);
  if (result.outcome === 'observed') count(METRIC.rollbackObserved);
  if (result.outcome === 'handed_over') count(METRIC.runHandedOver);
  if (result.notification && result.notification.delivery !== 'published') count(METRIC.notificationFailed);
  const validationFailures = result.timeline.filter((step) => (step.step === 'stage-validation' || step.step === 'full-validation') && !step.facts.passed).length;
  if (validationFailures > 0) count(METRIC.validationFailed, validationFailures);
  return data;
}

/** A reconciler's answer carries the runs it resumed: each is measured on its own. */
export function measuredResults(result: RollbackRunResult): RollbackRunResult[] {
  return [result, ...(result.runs ?? [])].filter((each) => each.environment !== undefined);
}
