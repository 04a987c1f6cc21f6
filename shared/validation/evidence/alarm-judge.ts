import type { Evidence, Verdict } from './evidence';

/** CloudWatch's comparison operators a datapoint can be judged by (the anomaly-band ones are judged by state). */
export const STATIC_COMPARISONS = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'] as const;
export type StaticComparison = (typeof STATIC_COMPARISONS)[number];

/** A metric alarm's own rule: what breaches, over which period, and how many breaching datapoints make ALARM. */
export interface AlarmRule {
  name: string;
  threshold: number;
  comparison: StaticComparison;
  periodSeconds: number;
  /** N. */
  evaluationPeriods: number;
  /** M (CloudWatch defaults it to N). */
  datapointsToAlarm?: number;
  /** How the alarm treats a period without data: `breaching` makes a missing period after a later datapoint count against it. */
  treatMissingData?: 'missing' | 'notBreaching' | 'breaching' | 'ignore';
}

/** One value of the alarm's metric (or math) for the period starting at `at`. */
export interface Datapoint {
  at: number;
  value: number;
}

/** Whether a value breaches the alarm's threshold. Pure. */
export function breaches(rule: Pick<AlarmRule, 'threshold' | 'comparison'>, value: number): boolean {
  switch (rule.comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= rule.threshold;
    case 'GreaterThanThreshold':
      return value > rule.threshold;
    case 'LessThanThreshold':
      return value < rule.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= rule.threshold;
    default: {
      const exhaustive: never = rule.comparison;
      throw new Error(`unknown comparison ${String(exhaustive)}`);
    }
  }
}

const SYMBOL: Record<StaticComparison, string> = { GreaterThanOrEqualToThreshold: '>=', GreaterThanThreshold: '>', LessThanThreshold: '<', LessThanOrEqualToThreshold: '<=' };

/** How many clean periods in a row bring the alarm back to OK: N − M + 1. Pure. */
export function cleanPeriodsToRecover(rule: Pick<AlarmRule, 'evaluationPeriods' | 'datapointsToAlarm'>): number {
  const breaching = Math.min(rule.datapointsToAlarm ?? rule.evaluationPeriods, rule.evaluationPeriods);
  return rule.evaluationPeriods - breaching + 1;
}

const round = (value: number) => (Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, ''));

/**
 * Judges a metric alarm on its own datapoints after the restore. Only complete periods that began at
 * or after the restore count (the period the restore fell in still mixes the bad version in):
 *  - the first such datapoint breaching is `not_recovered`, at once: the alarm is still breaching
 *    after the restore (one period and a poll, not its whole recovery window);
 *  - later, its own rule — M breaching of the last N periods — is `not_recovered` too (one noisy
 *    datapoint after clean ones is not);
 *  - its last N − M + 1 datapoints clean is `recovered`: its own recovery rule, on data that exists;
 *  - anything less is `inconclusive`: fewer datapoints so far, or none at all (no traffic is no evidence).
 * With `treatMissingData: breaching`, a period without data that a later datapoint proves was not just
 * late counts as breaching, as the alarm itself would count it. Pure.
 */
export function judgeAlarmDatapoints(rule: AlarmRule, datapoints: readonly Datapoint[], window: { restoredAt: number; now: number }): Evidence {
  const periodMs = rule.periodSeconds * 1_000;
  const firstPeriod = Math.ceil(window.restoredAt / periodMs) * periodMs;
  const complete = datapoints.filter((point) => point.at >= firstPeriod && point.at + periodMs <= window.now).sort((left, right) => left.at - right.at);
  const needed = cleanPeriodsToRecover(rule);
  const breachingToAlarm = Math.min(rule.datapointsToAlarm ?? rule.evaluationPeriods, rule.evaluationPeriods);
  const check = `alarm ${rule.name}`;
  const threshold = `${SYMBOL[rule.comparison]} ${round(rule.threshold)}`;
  const base = { check, basis: 'datapoints' as const, datapoints: complete.length };
  const periodOf = (at: number) => Math.round((at - firstPeriod) / periodMs);
  // Periods counted against it: breaching datapoints, and (treatMissingData: breaching) periods a later datapoint shows had none.
  const against = new Map<number, string>();
  for (const point of complete) if (breaches(rule, point.value)) against.set(periodOf(point.at), `${round(point.value)} for the period from ${new Date(point.at).toISOString()} breaches its threshold (${threshold})`);
  if (rule.treatMissingData === 'breaching' && complete.length > 0) {
    const present = new Set(complete.map((point) => periodOf(point.at)));
    for (let period = 0; period < periodOf(complete.at(-1)!.at); period += 1) {
      if (!present.has(period)) against.set(period, `no data for the period from ${new Date(firstPeriod + period * periodMs).toISOString()}, which it treats as breaching`);
    }
  }
  const first = complete[0];
  if (first && against.has(periodOf(first.at))) {
    return { ...base, verdict: 'not_recovered', decidedAt: new Date(first.at + periodMs).toISOString(), detail: `${against.get(periodOf(first.at))}, in the first complete period after the restore` };
  }
  const lastPeriod = complete.length > 0 ? periodOf(complete.at(-1)!.at) : -1;
  for (let end = 0; end <= lastPeriod; end += 1) {
    const recent = [...against.keys()].filter((period) => period <= end && period > end - rule.evaluationPeriods);
    if (recent.length >= breachingToAlarm) {
      return { ...base, verdict: 'not_recovered', decidedAt: new Date(firstPeriod + (end + 1) * periodMs).toISOString(), detail: `${recent.length} of its last ${rule.evaluationPeriods} periods after the restore breach (${against.get(recent.at(-1)!)}): its own rule keeps it in ALARM` };
    }
  }
  const values = complete.map((point) => round(point.value)).join(', ');
  const latest = complete.slice(-needed);
  if (latest.length >= needed && latest.every((point) => !against.has(periodOf(point.at)))) {
    return {
      ...base,
      verdict: 'recovered',
      decidedAt: new Date(latest.at(-1)!.at + periodMs).toISOString(),
      detail: `${complete.length} datapoint(s) after the restore (${values}), the last ${needed} not breaching ${threshold}: ${needed} clean period(s) of ${rule.periodSeconds} s bring it back to OK`,
    };
  }
  const periodsSoFar = Math.max(0, Math.floor((window.now - firstPeriod) / periodMs));
  return {
    ...base,
    verdict: 'inconclusive',
    detail:
      complete.length === 0
        ? periodsSoFar === 0
          ? `no complete ${rule.periodSeconds} s period since the restore yet`
          : `no datapoints in ${periodsSoFar} complete period(s) since the restore: no traffic, or no data, is no evidence`
        : `${complete.length} datapoint(s) so far (${values}); it needs its last ${needed} not breaching ${threshold}${periodsSoFar > complete.length ? `; ${periodsSoFar - complete.length} period(s) without data` : ''}`,
  };
}

/**
 * An alarm whose datapoints cannot be reproduced (an anomaly band, a query GetMetricData cannot run):
 * judged by its state, and marked so. OK is taken as recovered only once its recovery window has
 * passed since the restore (before that, OK may be the state it never left); ALARM past that window is
 * not recovered. Pure.
 */
export function judgeAlarmState(alarm: { name: string; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; recoveryWindowMs?: number }, sinceRestoreMs: number, why: string, marginMs = 0): Evidence {
  const check = `alarm ${alarm.name}`;
  // The margin (one poll) lets the alarm's own evaluation catch up with the window.
  const windowPassed = alarm.recoveryWindowMs !== undefined && sinceRestoreMs > alarm.recoveryWindowMs + marginMs;
  const base = { check, basis: 'state' as const };
  if (alarm.state === 'ALARM') {
    return windowPassed
      ? { ...base, verdict: 'not_recovered', detail: `still ALARM ${Math.round(sinceRestoreMs / 1_000)} s after the restore, past its recovery window (${Math.round(alarm.recoveryWindowMs! / 1_000)} s)${marginMs ? ` and one poll (${Math.round(marginMs / 1_000)} s)` : ''}; judged by state: ${why}` }
      : { ...base, verdict: 'inconclusive', detail: `ALARM, within its recovery window; judged by state: ${why}` };
  }
  if (alarm.state === 'OK' && windowPassed) return { ...base, verdict: 'recovered', detail: `OK past its recovery window (${Math.round(alarm.recoveryWindowMs! / 1_000)} s); judged by state only: ${why}` };
  return { ...base, verdict: 'inconclusive', detail: `${alarm.state}${alarm.recoveryWindowMs === undefined ? ', recovery window unknown' : ', within its recovery window'}; judged by state: ${why}` };
}

/** Three-valued truth: an alarm's verdict read as "it would be in ALARM" (inconclusive: unknown). */
type Truth = boolean | undefined;

const inAlarm = (verdict: Verdict | undefined): Truth => (verdict === 'not_recovered' ? true : verdict === 'recovered' ? false : undefined);

/**
 * A composite alarm judged on its children: its rule (ALARM(x), OK(x), INSUFFICIENT_DATA(x), TRUE,
 * FALSE, AND, OR, NOT, parentheses) evaluated with each child's verdict as its state — not recovered as
 * ALARM, recovered as OK, inconclusive as unknown (Kleene logic). The rule true is `not_recovered`,
 * false `recovered`, unknown `inconclusive`. Pure.
 */
export function judgeComposite(name: string, rule: string, children: ReadonlyMap<string, Evidence>): Evidence {
  const tokens = rule.match(/\(|\)|"[^"]*"|'[^']*'|[^\s()]+/g) ?? [];
  let position = 0;
  const peek = () => tokens[position]?.toUpperCase();
  const childName = (reference: string) => {
    const unquoted = reference.replace(/^["']|["']$/g, '').trim();
    return /^arn:[^:]+:cloudwatch:[^:]*:\d*:alarm:(.+)$/.exec(unquoted)?.[1] ?? unquoted;
  };
  const primary = (): Truth => {
    const token = tokens[position++];
    const upper = token?.toUpperCase();
    if (upper === 'NOT') return not(primary());
    if (upper === 'TRUE') return true;
    if (upper === 'FALSE') return false;
    if (token === '(') {
      const value = or();
      position += 1; // ')'
      return value;
    }
    if (upper === 'ALARM' || upper === 'OK' || upper === 'INSUFFICIENT_DATA') {
      position += 1; // '('
      const reference = tokens[position++] ?? '';
      position += 1; // ')'
      const child = children.get(childName(reference));
      const alarmState = inAlarm(child?.verdict);
      if (upper === 'ALARM') return alarmState;
      if (upper === 'OK') return alarmState === undefined ? undefined : !alarmState;
      // A child with evidence either way has data: it is not INSUFFICIENT_DATA.
      return child?.verdict === 'recovered' || child?.verdict === 'not_recovered' ? false : undefined;
    }
    return undefined;
  };
  // AND and OR, three-valued: `dominant` decides alone (false for AND, true for OR); otherwise both must agree.
  const chain = (operator: 'AND' | 'OR', operand: () => Truth, dominant: boolean) => (): Truth => {
    let value = operand();
    while (peek() === operator) {
      position += 1;
      const right = operand();
      value = value === dominant || right === dominant ? dominant : value === !dominant && right === !dominant ? !dominant : undefined;
    }
    return value;
  };
  const and = chain('AND', primary, false);
  const or = chain('OR', and, true);
  const truth = or();
  const judged = [...children.values()];
  const deciding = judged.filter((child) => (truth === true ? child.verdict === 'not_recovered' : truth === false ? child.verdict === 'recovered' : child.verdict === 'inconclusive'));
  const datapoints = judged.reduce((sum, child) => sum + (child.datapoints ?? 0), 0);
  const detail = `its rule ${truth === true ? 'holds' : truth === false ? 'does not hold' : 'cannot be decided'} on its children: ${(deciding.length > 0 ? deciding : judged).map((child) => `${child.check.replace(/^alarm /, '')} ${child.verdict}`).join(', ') || 'none read'}`;
  return { check: `alarm ${name}`, verdict: truth === true ? 'not_recovered' : truth === false ? 'recovered' : 'inconclusive', basis: judged.some((child) => child.basis === 'state') ? 'state' : 'datapoints', datapoints, detail };
}

function not(value: Truth): Truth {
  return value === undefined ? undefined : !value;
}
