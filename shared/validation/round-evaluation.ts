import type { AlarmObservation, HealthObservation } from './checks/check-ports';
import type { CheckResult, ParsedValidationRequest } from './validation-contract';

/** What one target's read-only check of one expectation found. */
export interface TargetCheckObservation {
  /** The target's check name (versions, pipeline, …). */
  check: string;
  passed: boolean;
  detail: string;
  /** It cannot pass any more (a deployment that failed). */
  isFinal?: boolean;
  /** Not passing, but not evidence of failure either (converging, or unreadable). */
  inconclusive?: boolean;
}

export interface EnvironmentObservations {
  name: string;
  alarms: AlarmObservation[];
  /** The alarms could not be read (e.g. AccessDenied): the alarm check fails with this. */
  alarmsError?: string;
  health: HealthObservation[];
  /** One per expectation, in the request's order. */
  targets: TargetCheckObservation[];
}

const isSuccessStatus = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

export interface RoundEvaluation {
  checks: CheckResult[];
  failedAlarms: { name: string; state: string; reason: string }[];
  /** The status of the first failing health endpoint, else of the first endpoint (absent without an HTTP answer). */
  healthCheckStatus?: number;
  /** Every target check passed (absent when no target promised anything). */
  versionMatch?: boolean;
}

/** Judges one round of observations against the request. Pure. */
export function evaluateRound(request: ParsedValidationRequest, observed: readonly EnvironmentObservations[]): RoundEvaluation {
  const checks = checksFor(request, observed);
  const failedAlarms = observed.flatMap((observations) =>
    observations.alarms.filter((alarm) => alarm.state === 'ALARM').map((alarm) => ({ name: alarm.name, state: alarm.state, reason: alarm.reason })),
  );
  const answers = observed.flatMap((observations) => observations.health);
  const failingAnswer = answers.find((answer) => !isSuccessStatus(answer.status));
  const healthCheckStatus = (failingAnswer ?? answers[0])?.status;
  const targetChecks = observed.flatMap((observations) => observations.targets);
  return {
    checks,
    failedAlarms,
    ...(healthCheckStatus !== undefined ? { healthCheckStatus } : {}),
    ...(targetChecks.length > 0 ? { versionMatch: targetChecks.every((check) => check.passed) } : {}),
  };
}

function checksFor(request: ParsedValidationRequest, observed: readonly EnvironmentObservations[]): CheckResult[] {
  return request.environments.flatMap((environment, index) => {
    const observations = observed[index]!;
    const checks: CheckResult[] = [];

    const inAlarm = observations.alarms.filter((alarm) => alarm.state === 'ALARM');
    checks.push({
      check: 'alarms',
      environment: environment.name,
      passed: inAlarm.length === 0 && !observations.alarmsError,
      detail: observations.alarmsError
        ? `cannot read alarms: ${observations.alarmsError}`
        : inAlarm.length === 0
          ? `${observations.alarms.length} alarm(s), none in ALARM`
          : inAlarm.map((alarm) => `${alarm.name}${alarm.type === 'composite' ? ' (composite)' : ''} is ALARM`).join(', '),
    });

    if (environment.healthChecks.length > 0) {
      const problems = environment.healthChecks.flatMap((check, checkIndex) => {
        const answer = observations.health[checkIndex]!;
        if (answer.error && answer.status === undefined) return [`${check.url}: ${answer.error}`];
        if (!isSuccessStatus(answer.status)) return [`${check.url} returned ${answer.status}`];
        // In a drill nothing was rolled back, so the running version cannot match yet.
        if (!request.drill && check.expectedVersion !== undefined && answer.version !== check.expectedVersion) {
          return [`${check.url} reports version ${answer.version ?? `? (${answer.error})`}, expected ${check.expectedVersion}`];
        }
        return [];
      });
      checks.push({
        check: 'health',
        environment: environment.name,
        passed: problems.length === 0,
        detail: problems.length === 0 ? `${environment.healthChecks.length} endpoint(s) healthy` : problems.join(', '),
      });
    }

    for (const target of observations.targets) checks.push({ check: target.check, environment: environment.name, passed: target.passed, detail: target.detail });
    return checks;
  });
}
