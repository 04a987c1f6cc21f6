import type { AlarmObservation, HealthObservation } from '../checks/check-ports';
import type { TargetCheckObservation } from '../checks/check-ports';
import type { ParsedValidationRequest } from '../validation-contract';
import { judgeAlarmDatapoints, judgeAlarmState, judgeComposite, type Datapoint } from './alarm-judge';
import { combineVerdicts, type Evidence, type Verdict } from './evidence';

/** Everything one round read for one environment. */
export interface EnvironmentReadings {
  name: string;
  alarms: AlarmObservation[];
  /** The alarms could not be listed at all (e.g. AccessDenied). */
  alarmsError?: string;
  health: HealthObservation[];
  targets: TargetCheckObservation[];
  /** What each traffic-moving target's own evidence showed (a Lambda alias's invocations by version). */
  traffic: Evidence[];
}

/** Streaks carried from round to round: passing and failing health rounds, failing target rounds. */
export type Streaks = ReadonlyMap<string, number>;

/** Why a verdict came when it did. */
export type Conclusion = 'recovered' | 'alarm_breaching' | 'alarm_past_recovery_window' | 'traffic' | 'health_failing' | 'target_failed' | 'restore_not_taken';

export interface EnvironmentVerdict {
  environment: string;
  verdict: Verdict;
  evidence: Evidence[];
  /** The evidence that decided it (the first not recovered, or what is missing). */
  decidedBy?: Evidence;
  conclusion?: Conclusion;
}

const isSuccessStatus = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

/** An alarm's evidence this round: its own datapoints, its children's (a composite), or its state, marked so. Pure. */
export function alarmEvidence(alarm: AlarmObservation, data: ReadonlyMap<string, Datapoint[] | { error: string }>, window: { restoredAt: number; now: number; pollIntervalMs: number }): Evidence {
  if (alarm.type === 'composite') {
    // Without its children read (too deep, or gone), the composite is judged by its own state.
    if (!alarm.children || alarm.children.length === 0) return judgeAlarmState(alarm, window.now - window.restoredAt, 'its children could not be read', window.pollIntervalMs);
    const children = new Map(alarm.children.map((child) => [child.name, alarmEvidence(child, data, window)] as const));
    return judgeComposite(alarm.name, alarm.rule ?? '', children);
  }
  const plan = alarm.dataPlan;
  if (!plan || plan.kind === 'state') return judgeAlarmState(alarm, window.now - window.restoredAt, plan?.why ?? 'its datapoints were not read', window.pollIntervalMs);
  const points = data.get(alarm.name);
  if (!points) return { check: `alarm ${alarm.name}`, verdict: 'inconclusive', basis: 'datapoints', detail: 'its data was not read this round' };
  if ('error' in points) return { check: `alarm ${alarm.name}`, verdict: 'inconclusive', basis: 'datapoints', detail: `its data could not be read: ${points.error}` };
  return judgeAlarmDatapoints(plan.rule, points, window);
}

/**
 * One environment's verdict for this round, from everything read. Not recovered as soon as any
 * evidence is (an alarm's datapoint breaching after the restore, an alarm by state past its recovery
 * window, the bad version still serving or the error rate worse, health failing `failureThreshold`
 * rounds, a target that cannot recover or keeps failing). Recovered only when every alarm is, health
 * has passed `consecutivePasses` rounds, every target check passes, and something measured recovery
 * (an alarm's data, the traffic, or health) — traffic that saw no invocations only corroborates
 * where alarms or health have spoken. Otherwise inconclusive, saying what is missing. Pure.
 */
export function judgeEnvironment(
  environment: ParsedValidationRequest['environments'][number],
  readings: EnvironmentReadings,
  data: ReadonlyMap<string, Datapoint[] | { error: string }>,
  context: { restoredAt: number; now: number; pollIntervalMs: number; consecutivePasses: number; failureThreshold: number; drill: boolean; streaks: Streaks; nextStreaks: Map<string, number> },
): EnvironmentVerdict {
  const count = (key: string, hit: boolean) => {
    const streak = hit ? (context.streaks.get(key) ?? 0) + 1 : 0;
    context.nextStreaks.set(key, streak);
    return streak;
  };
  const evidence: Evidence[] = [];
  const conclusions = new Map<Evidence, Conclusion>();
  const add = (item: Evidence, conclusion?: Conclusion) => {
    evidence.push(item);
    if (conclusion) conclusions.set(item, conclusion);
  };

  if (readings.alarmsError) add({ check: 'alarms', verdict: 'inconclusive', detail: `cannot read alarms: ${readings.alarmsError}` });
  for (const alarm of readings.alarms) {
    const judged = alarmEvidence(alarm, data, { restoredAt: context.restoredAt, now: context.now, pollIntervalMs: context.pollIntervalMs });
    // By state, an alarm still in ALARM one poll past its recovery window is hard evidence too.
    add(judged, judged.verdict === 'not_recovered' ? (judged.basis === 'state' ? 'alarm_past_recovery_window' : 'alarm_breaching') : undefined);
  }

  if (environment.healthChecks.length > 0) {
    const failing = environment.healthChecks.flatMap((check, index) => {
      const answer = readings.health[index];
      if (!answer || (answer.error && answer.status === undefined)) return [`${check.url}: ${answer?.error ?? 'no answer'}`];
      if (!isSuccessStatus(answer.status)) return [`${check.url} returned ${answer.status}`];
      // In a drill nothing was rolled back, so the running version cannot match yet.
      if (!context.drill && check.expectedVersion !== undefined && answer.version !== check.expectedVersion) return [`${check.url} reports version ${answer.version ?? '?'}, expected ${check.expectedVersion}`];
      return [];
    });
    const passing = count(`${environment.name}|health|pass`, failing.length === 0);
    const failingRounds = count(`${environment.name}|health|fail`, failing.length > 0);
    const endpoints = `${environment.healthChecks.length} endpoint(s)`;
    if (failingRounds >= context.failureThreshold) {
      add({ check: 'health', verdict: 'not_recovered', basis: 'probe', detail: `failed ${failingRounds} rounds in a row (${failing.join(', ')})` }, 'health_failing');
    } else if (passing >= context.consecutivePasses) {
      add({ check: 'health', verdict: 'recovered', basis: 'probe', detail: `${endpoints} healthy ${passing} rounds in a row` });
    } else {
      add({ check: 'health', verdict: 'inconclusive', basis: 'probe', detail: failing.length > 0 ? failing.join(', ') : `${endpoints} healthy ${passing} of the ${context.consecutivePasses} rounds in a row it needs` });
    }
  }

  const gates: Evidence[] = [];
  for (const target of readings.targets) {
    const streak = count(`${environment.name}|target|${target.check}`, !target.passed && !target.inconclusive);
    const item: Evidence = { check: target.check, basis: 'target', verdict: target.passed ? 'recovered' : 'inconclusive', detail: target.detail };
    if (!target.passed && target.isFinal) {
      add({ ...item, verdict: 'not_recovered', detail: `${target.detail} (it cannot recover)` }, 'target_failed');
    } else if (streak >= context.failureThreshold) {
      add({ ...item, verdict: 'not_recovered', detail: `failed ${streak} rounds in a row: the restore did not take (${target.detail})` }, 'restore_not_taken');
    } else {
      gates.push(item);
      evidence.push(item);
    }
  }

  for (const traffic of readings.traffic) add(traffic, traffic.verdict === 'not_recovered' ? 'traffic' : undefined);

  const failed = evidence.find((item) => item.verdict === 'not_recovered');
  if (failed) return { environment: environment.name, verdict: 'not_recovered', evidence, decidedBy: failed, conclusion: conclusions.get(failed) ?? 'alarm_breaching' };

  // What must all be recovered: every alarm, health, each target's check; traffic where it saw invocations.
  const required = evidence.filter((item) => item.basis !== 'traffic' || item.verdict === 'recovered');
  const measuresRecovery = evidence.some((item) => item.verdict === 'recovered' && item.basis !== 'target');
  const verdict = combineVerdicts(required.map((item) => item.verdict));
  if (verdict === 'recovered' && measuresRecovery) return { environment: environment.name, verdict: 'recovered', evidence, conclusion: 'recovered' };
  const missing = required.find((item) => item.verdict !== 'recovered');
  return {
    environment: environment.name,
    verdict: 'inconclusive',
    evidence,
    decidedBy: missing ?? {
      check: 'evidence',
      verdict: 'inconclusive',
      detail: evidence.length === 0 || !measuresRecovery ? 'nothing here measures recovery: no alarm with data, no traffic, no health check' : 'not enough evidence yet',
    },
  };
}
