import type { EnvironmentObservations } from './round-evaluation';
import type { ParsedValidationRequest, ValidationConclusion } from './validation-contract';

/** Failing rounds in a row, per environment and check. */
export type FailureStreaks = ReadonlyMap<string, number>;

export interface EarlyVerdict {
  concludedBy: Exclude<ValidationConclusion, 'consecutive_passes' | 'budget'>;
  reason: string;
}

/**
 * Hard evidence that the restore did not help, so waiting out the budget would only prolong the
 * outage. Pure: the next streaks and, when the evidence suffices, the verdict with its reason.
 *  - a target reports a state it cannot pass from (a deployment that failed);
 *  - a target's check fails conclusively `failureThreshold` rounds in a row (the restore did not take);
 *  - the health checks fail `failureThreshold` rounds in a row;
 *  - an alarm is still in ALARM past its own recovery window and one poll after the restore.
 */
export function judgeEarly(
  request: ParsedValidationRequest,
  observed: readonly EnvironmentObservations[],
  streaks: FailureStreaks,
  sinceRestoreMs: number,
): { streaks: Map<string, number>; verdict?: EarlyVerdict } {
  const next = new Map<string, number>();
  const count = (key: string, failing: boolean) => {
    const streak = failing ? (streaks.get(key) ?? 0) + 1 : 0;
    next.set(key, streak);
    return streak;
  };
  let verdict: EarlyVerdict | undefined;
  const conclude = (candidate: EarlyVerdict) => (verdict ??= candidate);
  request.environments.forEach((environment, index) => {
    const observations = observed[index]!;
    for (const target of observations.targets) {
      if (!target.passed && target.isFinal) conclude({ concludedBy: 'target_failed', reason: `${environment.name} ${target.check}: ${target.detail} (it cannot recover)` });
      const streak = count(`${environment.name}|target|${target.check}`, !target.passed && !target.inconclusive);
      if (streak >= request.failureThreshold) {
        conclude({ concludedBy: 'restore_not_taken', reason: `${environment.name} ${target.check} failed ${streak} rounds in a row: the restore did not take (${target.detail})` });
      }
    }
    const failingHealth = environment.healthChecks.flatMap((check, checkIndex) => {
      const answer = observations.health[checkIndex];
      const healthy = answer?.status !== undefined && answer.status >= 200 && answer.status < 300;
      return healthy ? [] : [`${check.url} ${answer?.status ?? answer?.error ?? 'no answer'}`];
    });
    const healthStreak = count(`${environment.name}|health`, failingHealth.length > 0);
    if (healthStreak >= request.failureThreshold) {
      conclude({ concludedBy: 'health_failing', reason: `${environment.name} health failed ${healthStreak} rounds in a row (${failingHealth.join(', ')})` });
    }
    for (const alarm of observations.alarms) {
      if (alarm.state !== 'ALARM' || alarm.recoveryWindowMs === undefined) continue;
      const limit = alarm.recoveryWindowMs + request.pollIntervalMs;
      if (sinceRestoreMs > limit) {
        conclude({
          concludedBy: 'alarm_past_recovery_window',
          reason: `${environment.name} alarm ${alarm.name} still ALARM ${Math.round(sinceRestoreMs / 1_000)} s after the restore, past its recovery window (${Math.round(alarm.recoveryWindowMs / 1_000)} s: ${alarm.shape ?? 'its evaluation'}) and one poll (${Math.round(request.pollIntervalMs / 1_000)} s)`,
        });
      }
    }
  });
  return { streaks: next, ...(verdict ? { verdict } : {}) };
}
