import type { RollbackRunResult } from './run-context';

export interface MetricDatum {
  name: string;
  unit: 'Count' | 'Milliseconds';
  value: number;
}

/** The metrics one run emits (dimension: environment); the self-alarms and dashboard read these. Pure. */
export function metricsFor(result: RollbackRunResult): MetricDatum[] {
  if (result.drill || !result.environment) return [];
  const data: MetricDatum[] = [];
  if (result.outcome === 'rolled_back' || result.outcome === 'rollback_failed') {
    data.push({ name: 'Rollbacks', unit: 'Count', value: 1 }, { name: 'RollbackDuration', unit: 'Milliseconds', value: result.durationMs });
  }
  if (result.outcome === 'rollback_failed') data.push({ name: 'RollbackFailed', unit: 'Count', value: 1 });
  if (result.outcome === 'skipped') data.push({ name: 'RollbackSkipped', unit: 'Count', value: 1 });
  const validationFailures = result.timeline.filter((step) => step.step.endsWith('-validation') && step.outcome === 'failed').length;
  if (validationFailures > 0) data.push({ name: 'ValidationFailed', unit: 'Count', value: validationFailures });
  return data;
}
