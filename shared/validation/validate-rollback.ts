import { errorLine } from '../aws/error-line';
import type { Clock } from '../time/clock';
import type { AlarmObservation, CheckPorts, MetricDataRequest, TargetCheckObservation } from './checks/check-ports';
import { targetPlugin } from '../targets/target-registry';
import { locationOf, type TargetLocation } from '../targets/target-plugin';
import type { Datapoint } from './evidence/alarm-judge';
import type { Evidence, Verdict } from './evidence/evidence';
import { judgeEnvironment, type EnvironmentReadings, type EnvironmentVerdict } from './evidence/round-verdict';
import { describeIssues } from '../config/load-config';
import { validationRequestSchema, type CheckResult, type ParsedValidationRequest, type ValidationResult } from './validation-contract';

export interface PollingDependencies {
  ports: CheckPorts;
  clock: Clock;
  /** Waits between rounds; a test passes one that moves a fake clock. */
  sleep(milliseconds: number): Promise<void>;
  /** What is left of the invocation (Lambda context): the budget never runs past it. */
  remainingTimeMs(): number;
  /** Told after each round (the local drill shows progress while it waits). */
  onRound?(round: number, consecutivePasses: number, checks: readonly CheckResult[]): void;
}

/** Time kept back so the verdict always gets returned before the Lambda times out. */
export const VERDICT_RESERVE_MS = 2_000;

type Environment = ParsedValidationRequest['environments'][number];

/** One target's read-only check of one expectation; anything that goes wrong reading it is a failed check, said plainly. */
async function checkTarget(environment: Environment, expectation: { target: string }, ports: CheckPorts): Promise<TargetCheckObservation> {
  let plugin;
  try {
    plugin = targetPlugin(expectation.target);
  } catch (error) {
    return { check: expectation.target, passed: false, detail: (error as Error).message, inconclusive: true };
  }
  const config = plugin.configSchema.safeParse(environment.targets.find((target) => target.type === plugin.type));
  const promised = plugin.expectationSchema.safeParse(expectation);
  if (!config.success || !promised.success) return { check: plugin.checkName, passed: false, detail: `unreadable ${plugin.title} ${config.success ? 'expectation' : 'config'} in the request`, inconclusive: true };
  try {
    return { check: plugin.checkName, ...(await ports.targets.driverFor(plugin.type, environment.name).check(config.data, promised.data)) };
  } catch (error) {
    return { check: plugin.checkName, passed: false, detail: `cannot check ${plugin.title}: ${errorLine(error)}`, inconclusive: true };
  }
}

/** The traffic a restored target can read about itself (a Lambda alias's invocations by version), when it can. */
async function trafficOf(environment: Environment, expectation: { target: string }, ports: CheckPorts, window: { restoredAt: Date; now: Date }, request: ParsedValidationRequest): Promise<Evidence[]> {
  let plugin;
  try {
    plugin = targetPlugin(expectation.target);
  } catch {
    return [];
  }
  const driver = ports.targets.driverFor(plugin.type, environment.name);
  if (!driver.evidence) return [];
  const config = plugin.configSchema.safeParse(environment.targets.find((target) => target.type === plugin.type));
  const promised = plugin.expectationSchema.safeParse(expectation);
  if (!config.success || !promised.success) return [];
  try {
    return await driver.evidence(config.data, promised.data, { ...window, errorRate: request.errorRate });
  } catch (error) {
    return [{ check: `traffic ${plugin.title}`, verdict: 'inconclusive', basis: 'traffic', detail: `cannot read its traffic: ${errorLine(error)}` }];
  }
}

async function observe(request: ParsedValidationRequest, ports: CheckPorts, window: { restoredAt: Date; now: Date }): Promise<EnvironmentReadings[]> {
  return Promise.all(
    request.environments.map(async (environment) => {
      // In a drill nothing was changed: there is nothing a target promised to check.
      const expectations = request.drill ? [] : environment.expectations;
      const [alarms, health, targets, traffic] = await Promise.all([
        ports.alarms.readAlarms({ prefixes: environment.alarmPrefixes, names: environment.alarmNames, location: locationOf(environment) }).catch((error: Error) => `${error.name}: ${error.message}`),
        Promise.all(environment.healthChecks.map((check) => ports.health.probe(check))),
        Promise.all(expectations.map((expectation) => checkTarget(environment, expectation, ports))),
        Promise.all(expectations.map((expectation) => trafficOf(environment, expectation, ports, window, request))).then((found) => found.flat()),
      ]);
      // Alarms that only notify never decide a rollback: neither do they judge one.
      const judged = typeof alarms === 'string' ? alarms : alarms.filter((alarm) => !environment.notifyOnly.some((match) => (match.endsWith('*') ? alarm.name.startsWith(match.slice(0, -1)) : alarm.name === match)));
      return typeof judged === 'string'
        ? { name: environment.name, alarms: [], alarmsError: judged, health, targets, traffic }
        : { name: environment.name, alarms: judged, health, targets, traffic };
    }),
  );
}

/** Every metric alarm whose data can be read back, composites' children included, each once. Pure. */
export function dataRequestsFor(readings: readonly EnvironmentReadings[], locations: readonly (TargetLocation | undefined)[] = []): MetricDataRequest[] {
  const requests = new Map<string, MetricDataRequest>();
  const visit = (alarm: AlarmObservation, location: TargetLocation | undefined) => {
    if (alarm.dataPlan?.kind === 'datapoints' && !requests.has(alarm.name)) {
      requests.set(alarm.name, { key: alarm.name, queries: alarm.dataPlan.queries, resultId: alarm.dataPlan.resultId, separateCall: alarm.dataPlan.separateCall, ...(location ? { location } : {}) });
    }
    for (const child of alarm.children ?? []) visit(child, location);
  };
  readings.forEach((environment, index) => {
    for (const alarm of environment.alarms) visit(alarm, locations[index]);
  });
  return [...requests.values()];
}


/** The longest period among the alarms read: the data window starts on its boundary at or before the restore. */
function longestPeriodMs(readings: readonly EnvironmentReadings[]): number {
  let longest = 60;
  const visit = (alarm: AlarmObservation) => {
    if (alarm.dataPlan?.kind === 'datapoints') longest = Math.max(longest, alarm.dataPlan.rule.periodSeconds);
    for (const child of alarm.children ?? []) visit(child);
  };
  for (const environment of readings) for (const alarm of environment.alarms) visit(alarm);
  return Math.min(longest, 86_400) * 1_000;
}

/**
 * Polls every interval and answers as soon as the evidence allows (see judgeEnvironment): not
 * recovered at once on hard evidence in any environment; recovered when every environment's evidence
 * shows it; at the budget, inconclusive — never recovered on no data. No fixed sleep.
 */
export async function validateRollback(request: ParsedValidationRequest, deps: PollingDependencies): Promise<ValidationResult> {
  const started = deps.clock.now().getTime();
  const restoredAt = request.restoredAt ? Math.min(Date.parse(request.restoredAt), started) : started;
  const budgetMs = Math.min(request.budgetMs, deps.remainingTimeMs() - VERDICT_RESERVE_MS);
  const deadline = started + budgetMs;
  let rounds = 0;
  let passingRounds = 0;
  let streaks: ReadonlyMap<string, number> = new Map();
  for (;;) {
    const roundStarted = deps.clock.now().getTime();
    rounds += 1;
    const now = new Date(roundStarted);
    const readings = await observe(request, deps.ports, { restoredAt: new Date(restoredAt), now });
    const requests = dataRequestsFor(readings, request.environments.map(locationOf));
    const periodMs = longestPeriodMs(readings);
    const data: ReadonlyMap<string, Datapoint[] | { error: string }> =
      requests.length > 0 ? await deps.ports.metrics.read(requests, { start: new Date(Math.floor(restoredAt / periodMs) * periodMs), end: now }).catch((error: Error) => new Map(requests.map((each) => [each.key, { error: `${error.name}: ${error.message}` }]))) : new Map();
    const nextStreaks = new Map<string, number>();
    const verdicts = request.environments.map((environment, index) =>
      judgeEnvironment(environment, readings[index]!, data, {
        restoredAt,
        now: roundStarted,
        pollIntervalMs: request.pollIntervalMs,
        consecutivePasses: request.consecutivePasses,
        failureThreshold: request.failureThreshold,
        drill: request.drill,
        streaks,
        nextStreaks,
      }),
    );
    streaks = nextStreaks;
    const checks = checksOf(verdicts);
    passingRounds = checks.every((check) => check.passed) ? passingRounds + 1 : 0;
    deps.onRound?.(rounds, passingRounds, checks);
    const failed = verdicts.find((verdict) => verdict.verdict === 'not_recovered');
    if (failed) return result('not_recovered', verdicts, readings, rounds, started, deps.clock, failed);
    if (verdicts.every((verdict) => verdict.verdict === 'recovered')) return result('recovered', verdicts, readings, rounds, started, deps.clock);
    const nextRound = roundStarted + request.pollIntervalMs;
    if (nextRound > deadline) return result('inconclusive', verdicts, readings, rounds, started, deps.clock, verdicts.find((verdict) => verdict.verdict === 'inconclusive'), budgetMs);
    await deps.sleep(Math.max(0, nextRound - deps.clock.now().getTime()));
  }
}

/** The round's evidence as the checks people read: one per piece of evidence, passed when recovered. Pure. */
function checksOf(verdicts: readonly EnvironmentVerdict[]): CheckResult[] {
  return verdicts.flatMap((verdict) => verdict.evidence.map((item) => ({ check: item.check, environment: verdict.environment, passed: item.verdict === 'recovered', detail: item.detail, verdict: item.verdict })));
}

/** The verdict with the evidence it rests on: which check decided it (or what was missing), and the last round's readings. */
function result(verdict: Verdict, verdicts: readonly EnvironmentVerdict[], readings: readonly EnvironmentReadings[], rounds: number, started: number, clock: Clock, deciding?: EnvironmentVerdict, budgetMs?: number): ValidationResult {
  const checks = checksOf(verdicts);
  const failedAlarms = readings.flatMap((environment) => environment.alarms.filter((alarm) => alarm.state === 'ALARM').map((alarm) => ({ name: alarm.name, state: alarm.state, reason: alarm.reason })));
  const answers = readings.flatMap((environment) => environment.health);
  const failingAnswer = answers.find((answer) => answer.status === undefined || answer.status < 200 || answer.status >= 300);
  const healthCheckStatus = (failingAnswer ?? answers[0])?.status;
  const targetChecks = readings.flatMap((environment) => environment.targets);
  const decidedBy = deciding?.decidedBy;
  const durationMs = clock.now().getTime() - started;
  const reason =
    verdict === 'recovered'
      ? undefined
      : verdict === 'not_recovered'
        ? `${deciding!.environment} ${decidedBy!.check}: ${decidedBy!.detail}`
        : `no verdict within ${Math.round((budgetMs ?? durationMs) / 1_000)} s (${rounds} round(s)): ${verdicts
            .filter((each) => each.verdict === 'inconclusive')
            .map((each) => `${each.environment} ${each.decidedBy?.check ?? 'evidence'}: ${each.decidedBy?.detail ?? 'not enough evidence'}`)
            .join('; ')}`;
  return {
    success: verdict === 'recovered',
    verdict,
    concludedBy: verdict === 'recovered' ? 'recovered' : verdict === 'inconclusive' ? 'budget' : deciding!.conclusion!,
    ...(reason ? { reason } : {}),
    ...(decidedBy ? { decidedBy: { environment: deciding!.environment, check: decidedBy.check, detail: decidedBy.detail, ...(decidedBy.decidedAt ? { at: decidedBy.decidedAt } : {}) } } : {}),
    evidence: verdicts.flatMap((each) => each.evidence.map((item) => ({ environment: each.environment, ...item }))),
    ...(failedAlarms.length > 0 ? { failedAlarms } : {}),
    ...(healthCheckStatus !== undefined ? { healthCheckStatus } : {}),
    ...(targetChecks.length > 0 ? { versionMatch: targetChecks.every((check) => check.passed) } : {}),
    timestamp: clock.now().toISOString(),
    checks,
    rounds,
    durationMs,
  };
}

/** Answers whatever invoked the validator: a bad request is a failed result naming the problem, never a throw. */
export async function answerValidationRequest(raw: unknown, deps: PollingDependencies): Promise<ValidationResult> {
  const parsed = validationRequestSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      success: false,
      verdict: 'inconclusive',
      reason: `invalid validation request: ${describeIssues(parsed.error).join('; ')}`,
      timestamp: deps.clock.now().toISOString(),
      checks: [],
      evidence: [],
      rounds: 0,
      durationMs: 0,
    };
  }
  return validateRollback(parsed.data, deps);
}
