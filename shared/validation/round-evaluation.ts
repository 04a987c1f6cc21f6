import type { AlarmObservation, AliasObservation, HealthObservation, StageObservation } from './checks/check-ports';
import type { LambdaAliasExpectation, PipelineStageExpectation } from './target-expectations';
import type { CheckResult, ParsedValidationRequest } from './validation-contract';

/** What was read for one expectation, in the same order as the request's expectations. */
export type TargetObservation = { target: 'lambda-alias'; aliases: AliasObservation[] } | { target: 'codepipeline-stage'; stage: StageObservation };

export interface EnvironmentObservations {
  name: string;
  alarms: AlarmObservation[];
  /** The alarms could not be read (e.g. AccessDenied): the alarm check fails with this. */
  alarmsError?: string;
  health: HealthObservation[];
  targets: TargetObservation[];
}

/** Stage execution states that mean the rolled-back execution has not failed (yet). */
const HEALTHY_STAGE_STATES = new Set(['Succeeded', 'InProgress']);

const isSuccessStatus = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

export interface RoundEvaluation {
  checks: CheckResult[];
  failedAlarms: { name: string; state: string; reason: string }[];
  /** The status of the first failing health endpoint, else of the first endpoint (absent without an HTTP answer). */
  healthCheckStatus?: number;
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
  const versionChecks = checks.filter((check) => check.check === 'versions');
  return {
    checks,
    failedAlarms,
    ...(healthCheckStatus !== undefined ? { healthCheckStatus } : {}),
    ...(versionChecks.length > 0 ? { versionMatch: versionChecks.every((check) => check.passed) } : {}),
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

    // In a drill nothing was changed: there is nothing a target promised to check.
    if (request.drill) return checks;
    environment.expectations.forEach((expectation, expectationIndex) => {
      const observation = observations.targets[expectationIndex];
      if (expectation.target === 'lambda-alias' && observation?.target === 'lambda-alias') {
        checks.push(aliasCheck(environment.name, expectation, observation.aliases));
      } else if (expectation.target === 'codepipeline-stage' && observation?.target === 'codepipeline-stage') {
        checks.push(stageCheck(environment.name, expectation, observation.stage));
      }
    });
    return checks;
  });
}

function aliasCheck(environment: string, expectation: LambdaAliasExpectation, aliases: readonly AliasObservation[]): CheckResult {
  const problems = aliases.flatMap((alias) => {
    const expected = expectation.versions[alias.functionName];
    if (alias.error) return [`${alias.functionName}: ${alias.error}`];
    if (alias.version !== expected) return [`${alias.functionName}:${expectation.alias} is ${alias.version}, expected ${expected}`];
    if (alias.weightedVersions.length > 0) return [`${alias.functionName}:${expectation.alias} still shifts traffic to ${alias.weightedVersions.join(', ')}`];
    return [];
  });
  return {
    check: 'versions',
    environment,
    passed: problems.length === 0,
    detail: problems.length === 0 ? `${aliases.length} alias(es) on the expected version` : problems.join(', '),
  };
}

function stageCheck(environment: string, expectation: PipelineStageExpectation, stage: StageObservation): CheckResult {
  const problem = stage.error
    ? stage.error
    : stage.executionId !== expectation.executionId
      ? `latest execution is ${stage.executionId ?? 'none'}, expected the rollback ${expectation.executionId}`
      : !HEALTHY_STAGE_STATES.has(stage.status ?? '')
        ? `latest execution ${stage.executionId} is ${stage.status ?? 'unknown'}`
        : undefined;
  return { check: 'pipeline', environment, passed: problem === undefined, detail: problem ?? `${expectation.stage}: ${stage.executionId} ${stage.status}` };
}
