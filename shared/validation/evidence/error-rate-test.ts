/**
 * Is the known good's error rate after the restore no worse than its own before the bad deployment?
 * Wald's sequential probability ratio test on the invocations seen so far: H0, the rate is its
 * baseline; H1, it is `minimumIncrease` worse. Decides as soon as the evidence allows, with false-alarm
 * and miss rates `alpha` and `beta`; until then (few invocations, none) it says so. Pure.
 */
export interface ErrorRatePolicy {
  /** The increase over the baseline worth calling "not recovered" (absolute, e.g. 0.01 = one point). */
  minimumIncrease: number;
  /** How often it may call a recovered version bad. */
  alpha: number;
  /** How often it may call a still-bad version recovered. */
  beta: number;
}

export const DEFAULT_ERROR_RATE_POLICY: ErrorRatePolicy = { minimumIncrease: 0.01, alpha: 0.01, beta: 0.01 };

/** A rate of zero would make one error infinitely telling: the baseline is never taken below this. */
const RATE_FLOOR = 0.001;

export interface ErrorRateDecision {
  decision: 'worse' | 'not_worse' | 'undecided';
  /** The log-likelihood ratio so far, and the bounds it is compared with. */
  llr: number;
  upper: number;
  lower: number;
  baseline: number;
  rate?: number;
}

export function sequentialErrorRateTest(observed: { errors: number; invocations: number }, baselineRate: number, policy: ErrorRatePolicy = DEFAULT_ERROR_RATE_POLICY): ErrorRateDecision {
  const p0 = Math.min(Math.max(baselineRate, RATE_FLOOR), 0.98);
  const p1 = Math.min(p0 + policy.minimumIncrease, 0.99);
  const upper = Math.log((1 - policy.beta) / policy.alpha);
  const lower = Math.log(policy.beta / (1 - policy.alpha));
  const errors = Math.min(observed.errors, observed.invocations);
  const llr = errors * Math.log(p1 / p0) + (observed.invocations - errors) * Math.log((1 - p1) / (1 - p0));
  const rate = observed.invocations > 0 ? errors / observed.invocations : undefined;
  const decision = observed.invocations === 0 ? 'undecided' : llr >= upper ? 'worse' : llr <= lower ? 'not_worse' : 'undecided';
  return { decision, llr, upper, lower, baseline: p0, ...(rate !== undefined ? { rate } : {}) };
}
