/** How a metric alarm evaluates: its period, and M of the last N datapoints breaching put it in ALARM. */
export interface AlarmShape {
  periodSeconds: number;
  evaluationPeriods: number;
  /** M; CloudWatch defaults it to N. */
  datapointsToAlarm?: number;
}

/**
 * The earliest an alarm can return to OK once its cause is gone: it stays in ALARM while M of the
 * last N datapoints breach, so N − M + 1 clean periods must be evaluated, after the period the
 * restore happened in (its datapoint still mixes in the bad version). A 60 s alarm with 3 of 3
 * datapoints: 2 periods, 120 s. Pure.
 */
export function recoveryWindowMs(shape: AlarmShape): number {
  const breaching = Math.min(shape.datapointsToAlarm ?? shape.evaluationPeriods, shape.evaluationPeriods);
  const cleanPeriods = shape.evaluationPeriods - breaching + 1;
  return (cleanPeriods + 1) * shape.periodSeconds * 1_000;
}

/** "period 60 s, 3 of 3 datapoints". Pure. */
export function describeShape(shape: AlarmShape): string {
  return `period ${shape.periodSeconds} s, ${shape.datapointsToAlarm ?? shape.evaluationPeriods} of ${shape.evaluationPeriods} datapoints`;
}

/**
 * The alarms a composite alarm's rule names (ALARM(x), OK("x"), INSUFFICIENT_DATA(arn…)), each once,
 * by name. Pure.
 */
export function compositeChildren(rule: string): string[] {
  const names = new Set<string>();
  for (const match of rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("([^"]*)"|'([^']*)'|([^)\s]+))\s*\)/g)) {
    const reference = (match[2] ?? match[3] ?? match[4] ?? '').trim();
    // A child may be named by its ARN: arn:aws:cloudwatch:region:account:alarm:name
    const name = /^arn:[^:]+:cloudwatch:[^:]*:\d*:alarm:(.+)$/.exec(reference)?.[1] ?? reference;
    if (name) names.add(name);
  }
  return [...names];
}
