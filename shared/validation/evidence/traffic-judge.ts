import type { Evidence } from './evidence';
import { sequentialErrorRateTest, type ErrorRatePolicy } from './error-rate-test';

/** What a function's alias served, from CloudWatch: invocations and errors per version executed. */
export interface TrafficReading {
  function: string;
  /**
   * After the restore: the known good's invocations and errors from the minute the restore fell in;
   * the bad version's in the `periods` complete minutes that began after it.
   */
  afterRestore: { badInvocations: number; goodInvocations: number; goodErrors: number; periods: number };
  /** The known good's own record before the bad deployment: its baseline error rate. */
  baseline: { invocations: number; errors: number };
}

const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)}%`;

/**
 * The traffic itself, after a Lambda alias restore: the bad version must serve nothing and the known
 * good must serve, at an error rate no worse than its own before the bad deployment (a sequential
 * test). Any invocation of the bad version after the restore is hard evidence it did not take; zero
 * invocations is no evidence at all. A known good worse than its own rate decides at once; one no
 * worse is recovered only once a complete minute shows the bad version serving nothing. Pure.
 */
export function judgeTraffic(reading: TrafficReading, policy: ErrorRatePolicy): Evidence {
  const check = `traffic ${reading.function}`;
  const { badInvocations, goodInvocations, goodErrors, periods } = reading.afterRestore;
  const base = { check, basis: 'traffic' as const, datapoints: goodInvocations + badInvocations };
  if (badInvocations > 0) return { ...base, verdict: 'not_recovered', detail: `the bad version still served ${badInvocations} invocation(s) after the restore` };
  if (goodInvocations === 0) {
    return { ...base, verdict: 'inconclusive', detail: periods === 0 ? 'no invocations since the restore yet' : `no invocations in ${periods} minute(s) since the restore: no traffic is no evidence` };
  }
  const baselineRate = reading.baseline.invocations > 0 ? reading.baseline.errors / reading.baseline.invocations : 0;
  const test = sequentialErrorRateTest({ errors: goodErrors, invocations: goodInvocations }, baselineRate, policy);
  const seen = `${goodErrors} error(s) in ${goodInvocations} invocation(s) of the known good (${percent(test.rate ?? 0)}) against its own ${percent(baselineRate)} before the bad deployment${reading.baseline.invocations === 0 ? ' (no baseline traffic: taken as 0%)' : ''}`;
  switch (test.decision) {
    case 'worse':
      return { ...base, verdict: 'not_recovered', detail: `${seen}: worse by at least ${percent(policy.minimumIncrease)} (sequential test, ${percent(policy.alpha)} false-alarm rate)` };
    case 'not_worse':
      if (periods === 0) return { ...base, verdict: 'inconclusive', detail: `${seen}: no worse so far; no complete minute since the restore yet shows the bad version serving nothing` };
      return { ...base, verdict: 'recovered', detail: `${seen}: no worse (sequential test, ${percent(policy.beta)} miss rate)` };
    default:
      return { ...base, verdict: 'inconclusive', detail: `${seen}: too few invocations to tell yet` };
  }
}
