import type { MetricAlarm, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { STATIC_COMPARISONS, type AlarmRule, type StaticComparison } from './alarm-judge';

/**
 * How an alarm's own data is read back: the GetMetricData queries that reproduce what it evaluates
 * (its metric and statistic, or its metric math / Metrics Insights query, as it defines them) and the
 * rule its datapoints are judged by — or why they cannot be, so it is judged by state.
 */
export type AlarmDataPlan =
  | { kind: 'datapoints'; rule: AlarmRule; queries: MetricDataQuery[]; resultId: string; separateCall: boolean }
  | { kind: 'state'; why: string };

const TREAT_MISSING = new Set(['missing', 'notBreaching', 'breaching', 'ignore']);
const ANOMALY_COMPARISONS = new Set(['LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold']);

/** The plan for one metric alarm, from its DescribeAlarms shape. Pure. */
export function planAlarmData(alarm: MetricAlarm): AlarmDataPlan {
  const name = alarm.AlarmName ?? '?';
  if (alarm.ThresholdMetricId || ANOMALY_COMPARISONS.has(alarm.ComparisonOperator ?? '')) {
    return { kind: 'state', why: 'an anomaly-detection band, which GetMetricData does not reproduce as the alarm evaluates it' };
  }
  if (!STATIC_COMPARISONS.includes(alarm.ComparisonOperator as StaticComparison) || alarm.Threshold === undefined || !alarm.EvaluationPeriods) {
    return { kind: 'state', why: 'no static threshold, comparison or evaluation periods to judge its datapoints by' };
  }
  const base = {
    name,
    threshold: alarm.Threshold,
    comparison: alarm.ComparisonOperator as StaticComparison,
    evaluationPeriods: alarm.EvaluationPeriods,
    ...(alarm.DatapointsToAlarm ? { datapointsToAlarm: alarm.DatapointsToAlarm } : {}),
    ...(alarm.TreatMissingData && TREAT_MISSING.has(alarm.TreatMissingData) ? { treatMissingData: alarm.TreatMissingData as AlarmRule['treatMissingData'] } : {}),
  };
  if (alarm.Metrics && alarm.Metrics.length > 0) {
    if (alarm.Metrics.some((query) => /ANOMALY_DETECTION_BAND/i.test(query.Expression ?? ''))) {
      return { kind: 'state', why: 'an anomaly-detection band in its metric math' };
    }
    const returned = alarm.Metrics.filter((query) => query.ReturnData !== false);
    const result = returned.length === 1 ? returned[0]! : alarm.Metrics.find((query) => query.ReturnData === true);
    if (!result?.Id) return { kind: 'state', why: 'its metric math names no single result' };
    const period = result.Period ?? result.MetricStat?.Period ?? Math.max(0, ...alarm.Metrics.map((query) => query.MetricStat?.Period ?? query.Period ?? 0));
    if (!period) return { kind: 'state', why: 'its metric math has no period' };
    // As the alarm defines them; only its result is returned.
    const queries: MetricDataQuery[] = alarm.Metrics.map((query) => ({
      Id: query.Id,
      ...(query.MetricStat ? { MetricStat: query.MetricStat } : {}),
      ...(query.Expression ? { Expression: query.Expression } : {}),
      ...(query.Label ? { Label: query.Label } : {}),
      ...(query.Period ? { Period: query.Period } : {}),
      ...(query.AccountId ? { AccountId: query.AccountId } : {}),
      ReturnData: query.Id === result.Id,
    }));
    // Its query ids are its own: one call for it, so they cannot clash with another alarm's.
    return { kind: 'datapoints', rule: { ...base, periodSeconds: period }, queries, resultId: result.Id, separateCall: true };
  }
  const stat = alarm.ExtendedStatistic ?? alarm.Statistic;
  if (!alarm.MetricName || !alarm.Namespace || !stat || !alarm.Period) return { kind: 'state', why: 'no metric, statistic or period to read' };
  return {
    kind: 'datapoints',
    rule: { ...base, periodSeconds: alarm.Period },
    queries: [
      {
        Id: 'm',
        MetricStat: {
          Metric: { Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions ?? [] },
          Period: alarm.Period,
          Stat: stat,
          ...(alarm.Unit ? { Unit: alarm.Unit } : {}),
        },
        ReturnData: true,
      },
    ],
    resultId: 'm',
    separateCall: false,
  };
}
