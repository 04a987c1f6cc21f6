/**
 * A verdict rests on evidence, and says how much: `recovered` only on data that shows it,
 * `not_recovered` as soon as the data is hard, `inconclusive` when there is not enough (no traffic,
 * missing datapoints, nothing reproducible). Pure types and their combination.
 */
export const VERDICTS = ['recovered', 'not_recovered', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What one check found, in words a person reads and numbers a test asserts. */
export interface Evidence {
  /** The check: `alarm <name>`, `traffic <function>`, `health`, a target's check name. */
  check: string;
  verdict: Verdict;
  /** What the data showed: the values after the restore against the threshold, how many datapoints. */
  detail: string;
  /** How it was judged: the alarm's own datapoints, its state only (not reproducible), or the traffic. */
  basis?: 'datapoints' | 'state' | 'traffic' | 'probe' | 'target';
  /** Datapoints (or invocations) after the restore the verdict rests on. */
  datapoints?: number;
  /** When the evidence became hard (the datapoint that breached or completed the recovery rule). */
  decidedAt?: string;
}

/**
 * Several pieces of evidence for one environment: not recovered if any is; recovered only if every
 * one is; otherwise (something missing) inconclusive. Pure.
 */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('not_recovered')) return 'not_recovered';
  if (verdicts.length > 0 && verdicts.every((verdict) => verdict === 'recovered')) return 'recovered';
  return 'inconclusive';
}
