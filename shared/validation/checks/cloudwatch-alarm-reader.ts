import { DescribeAlarmsCommand, type CloudWatchClient, type CompositeAlarm, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { compositeChildren, describeShape, recoveryWindowMs, type AlarmShape } from '../alarm-recovery';
import { planAlarmData } from '../evidence/alarm-data-plan';
import type { TargetLocation } from '../../targets/target-plugin';
import { cloudWatchResolver, type AlarmObservation, type AlarmReader, type AlarmSelection, type CloudWatchSource } from './check-ports';

/** DescribeAlarms accepts at most 100 names per call. */
const NAMES_PER_CALL = 100;
/** Composites of composites are followed this deep; deeper ones get no recovery window (the budget decides). */
const MAX_COMPOSITE_DEPTH = 3;

/** A metric alarm's shape: its own period, or (metric math) the longest period among its queries. Pure. */
export function shapeOf(alarm: MetricAlarm): AlarmShape | undefined {
  const periods = [alarm.Period, ...(alarm.Metrics ?? []).map((query) => query.MetricStat?.Period ?? query.Period)].filter((period): period is number => period !== undefined && period > 0);
  if (periods.length === 0 || !alarm.EvaluationPeriods) return undefined;
  return { periodSeconds: Math.max(...periods), evaluationPeriods: alarm.EvaluationPeriods, ...(alarm.DatapointsToAlarm ? { datapointsToAlarm: alarm.DatapointsToAlarm } : {}) };
}

interface Window {
  ms: number;
  shape: string;
}

/**
 * DescribeAlarms per prefix and per hundred names, metric and composite alike, every page; each alarm
 * once. A metric alarm comes with its recovery window (from its period and datapoints) and the plan to
 * read its own data back; a composite with its rule and its children (read by name, three levels at
 * most), and its slowest child's window.
 */
export class CloudWatchAlarmReader implements AlarmReader {
  readonly #clientFor: (location: TargetLocation | undefined) => Promise<CloudWatchClient>;

  constructor(cloudWatch: CloudWatchSource) {
    this.#clientFor = cloudWatchResolver(cloudWatch);
  }

  async readAlarms(selection: AlarmSelection): Promise<AlarmObservation[]> {
    const cloudWatch = await this.#clientFor(selection.location);
    const pages = await Promise.all([...selection.prefixes.map((prefix) => this.#all(cloudWatch, { AlarmNamePrefix: prefix })), ...this.#byNames(cloudWatch, selection.names)]);
    const metric = new Map<string, MetricAlarm>();
    const composite = new Map<string, CompositeAlarm>();
    for (const page of pages) {
      for (const alarm of page.metric) metric.set(alarm.AlarmName ?? '?', alarm);
      for (const alarm of page.composite) composite.set(alarm.AlarmName ?? '?', alarm);
    }
    const selected = { metric: [...metric.values()], composite: [...composite.values()] };
    // Every composite's children are read (into copies: only the selected alarms are observed), so each is judged on them.
    const windows = selected.composite.length > 0 ? await this.#compositeWindows(cloudWatch, selected.composite, metric, composite) : new Map<string, Window | undefined>();
    const observeMetric = (alarm: MetricAlarm): AlarmObservation => {
      const shape = shapeOf(alarm);
      return {
        name: alarm.AlarmName ?? '?',
        type: 'metric',
        state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
        reason: alarm.StateReason ?? '',
        ...(shape ? { recoveryWindowMs: recoveryWindowMs(shape), shape: describeShape(shape) } : {}),
        dataPlan: planAlarmData(alarm),
      };
    };
    const observeComposite = (alarm: CompositeAlarm, depth: number): AlarmObservation => {
      const window = windows.get(alarm.AlarmName ?? '?');
      const children = depth < MAX_COMPOSITE_DEPTH ? compositeChildren(alarm.AlarmRule ?? '').flatMap((child) => {
        const childMetric = metric.get(child);
        if (childMetric) return [observeMetric(childMetric)];
        const childComposite = composite.get(child);
        return childComposite ? [observeComposite(childComposite, depth + 1)] : [];
      }) : [];
      return {
        name: alarm.AlarmName ?? '?',
        type: 'composite',
        state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
        reason: alarm.StateReason ?? '',
        ...(window ? { recoveryWindowMs: window.ms, shape: window.shape } : {}),
        rule: alarm.AlarmRule ?? '',
        children,
      };
    };
    return [...selected.metric.map(observeMetric), ...selected.composite.map((alarm) => observeComposite(alarm, 1))];
  }

  /** Each composite's slowest child's window; unknown when any child's is (a missing child, or too deep). */
  async #compositeWindows(cloudWatch: CloudWatchClient, roots: readonly CompositeAlarm[], metric: Map<string, MetricAlarm>, composite: Map<string, CompositeAlarm>): Promise<Map<string, Window | undefined>> {
    // Read every child not already known, level by level.
    let wanted = roots.flatMap((alarm) => compositeChildren(alarm.AlarmRule ?? ''));
    for (let depth = 1; depth <= MAX_COMPOSITE_DEPTH && wanted.length > 0; depth += 1) {
      const missing = [...new Set(wanted)].filter((name) => !metric.has(name) && !composite.has(name));
      const pages = await Promise.all(this.#byNames(cloudWatch, missing));
      const found: CompositeAlarm[] = [];
      for (const page of pages) {
        for (const alarm of page.metric) metric.set(alarm.AlarmName ?? '?', alarm);
        for (const alarm of page.composite) {
          composite.set(alarm.AlarmName ?? '?', alarm);
          found.push(alarm);
        }
      }
      wanted = found.flatMap((alarm) => compositeChildren(alarm.AlarmRule ?? ''));
    }
    const windowOf = (name: string, depth: number): Window | undefined => {
      const metricAlarm = metric.get(name);
      if (metricAlarm) {
        const shape = shapeOf(metricAlarm);
        return shape ? { ms: recoveryWindowMs(shape), shape: `${name}: ${describeShape(shape)}` } : undefined;
      }
      const compositeAlarm = composite.get(name);
      if (!compositeAlarm || depth > MAX_COMPOSITE_DEPTH) return undefined;
      const children = compositeChildren(compositeAlarm.AlarmRule ?? '').map((child) => windowOf(child, depth + 1));
      if (children.length === 0 || children.some((child) => child === undefined)) return undefined;
      return children.reduce((slowest, child) => (child!.ms > slowest!.ms ? child : slowest));
    };
    return new Map(roots.map((alarm) => [alarm.AlarmName ?? '?', windowOf(alarm.AlarmName ?? '?', 1)]));
  }

  #byNames(cloudWatch: CloudWatchClient, names: readonly string[]): Promise<{ metric: MetricAlarm[]; composite: CompositeAlarm[] }>[] {
    const batches: string[][] = [];
    for (let start = 0; start < names.length; start += NAMES_PER_CALL) batches.push(names.slice(start, start + NAMES_PER_CALL));
    return batches.map((batch) => this.#all(cloudWatch, { AlarmNames: batch }));
  }

  async #all(cloudWatch: CloudWatchClient, filter: { AlarmNamePrefix: string } | { AlarmNames: string[] }): Promise<{ metric: MetricAlarm[]; composite: CompositeAlarm[] }> {
    const metric: MetricAlarm[] = [];
    const composite: CompositeAlarm[] = [];
    let nextToken: string | undefined;
    do {
      const page = await cloudWatch.send(new DescribeAlarmsCommand({ ...filter, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: nextToken }));
      metric.push(...(page.MetricAlarms ?? []));
      composite.push(...(page.CompositeAlarms ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return { metric, composite };
  }
}
