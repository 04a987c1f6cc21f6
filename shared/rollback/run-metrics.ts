import { METRIC, type MetricName } from '../powertools/metric-names';
import type { JournalStep, StepOf } from '../history/run-journal';
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
  if (result.completedHere && (result.outcome === 'rolled_back' || result.outcome === 'rollback_failed' || result.outcome === 'unverified')) {
    count(METRIC.rollbacks);
    if (result.mode === 'automatic') count(METRIC.automaticRollbacks);
    data.push({ name: METRIC.rollbackDuration, unit: 'Milliseconds', value: result.durationMs });
    if (result.outcome === 'rollback_failed') count(METRIC.rollbackFailed);
    if (result.outcome === 'unverified') count(METRIC.rollbackUnverified);
    data.push(...timings(result.timeline));
    // The run's validations that found it not recovered (a verdict of no evidence is not a failure), once per run.
    const failedValidations = result.timeline.filter((step) => (step.step === 'stage-validation' || step.step === 'full-validation') && (step.facts.verdict ?? (step.facts.passed ? 'recovered' : 'not_recovered')) === 'not_recovered').length;
    if (failedValidations > 0) count(METRIC.validationFailed, failedValidations);
  }
  if (result.outcome === 'skipped') count(METRIC.rollbackSkipped);
  if (result.outcome === 'observed') count(METRIC.rollbackObserved);
  if (result.outcome === 'handed_over') count(METRIC.runHandedOver);
  if (result.notification && result.notification.delivery !== 'published') count(METRIC.notificationFailed);
  return data;
}

/**
 * Time to restore (the alarm that fired → the first restore step done) and time to verdict (each
 * restore done → its validation's verdict), from the run's journal. Pure.
 */
export function timings(timeline: readonly JournalStep[]): MetricDatum[] {
  const end = (step: JournalStep) => Date.parse(step.at) + step.durationMs;
  const data: MetricDatum[] = [];
  const claim = timeline.find((step): step is StepOf<'claim'> => step.step === 'claim');
  const firstRestore = timeline.find((step) => step.step === 'stage-rollback');
  if (claim?.facts.alarmFiredAt && firstRestore) data.push({ name: METRIC.timeToRestore, unit: 'Milliseconds', value: Math.max(0, end(firstRestore) - Date.parse(claim.facts.alarmFiredAt)) });
  for (const [restoreName, validationName] of [['stage-rollback', 'stage-validation'], ['full-rollback', 'full-validation']] as const) {
    const restore = timeline.findLast((step) => step.step === restoreName);
    const validation = timeline.findLast((step) => step.step === validationName);
    if (restore && validation) data.push({ name: METRIC.timeToVerdict, unit: 'Milliseconds', value: Math.max(0, end(validation) - end(restore)) });
  }
  return data;
}

/** A reconciler's answer carries the runs it resumed: each is measured on its own. */
export function measuredResults(result: RollbackRunResult): RollbackRunResult[] {
  return [result, ...(result.runs ?? [])].filter((each) => each.environment !== undefined);
}
