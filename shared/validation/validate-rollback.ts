import { errorLine } from '../aws/error-line';
import type { Clock } from '../time/clock';
import type { CheckPorts } from './checks/check-ports';
import { targetPlugin } from '../targets/target-registry';
import { judgeEarly, type EarlyVerdict } from './early-verdict';
import { evaluateRound, type EnvironmentObservations, type RoundEvaluation, type TargetCheckObservation } from './round-evaluation';
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

/** One target's read-only check of one expectation; anything that goes wrong reading it is a failed check, said plainly. */
async function checkTarget(environment: ParsedValidationRequest['environments'][number], expectation: { target: string }, ports: CheckPorts): Promise<TargetCheckObservation> {
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

async function observe(request: ParsedValidationRequest, ports: CheckPorts): Promise<EnvironmentObservations[]> {
  return Promise.all(
    request.environments.map(async (environment) => {
      const [alarms, health, targets] = await Promise.all([
        ports.alarms.readAlarms({ prefixes: environment.alarmPrefixes, names: environment.alarmNames }).catch((error: Error) => `${error.name}: ${error.message}`),
        Promise.all(environment.healthChecks.map((check) => ports.health.probe(check))),
        // In a drill nothing was changed: there is nothing a target promised to check.
        Promise.all((request.drill ? [] : environment.expectations).map((expectation) => checkTarget(environment, expectation, ports))),
      ]);
      return typeof alarms === 'string'
        ? { name: environment.name, alarms: [], alarmsError: alarms, health, targets }
        : { name: environment.name, alarms, health, targets };
    }),
  );
}

/**
 * Polls every interval and answers as soon as the evidence allows: success after N consecutive
 * passing rounds; failure at once on hard evidence that the restore did not help (see judgeEarly),
 * else when the next round would start past the budget. No fixed sleep.
 */
export async function validateRollback(request: ParsedValidationRequest, deps: PollingDependencies): Promise<ValidationResult> {
  const started = deps.clock.now().getTime();
  const restoredAt = request.restoredAt ? Math.min(Date.parse(request.restoredAt), started) : started;
  const budgetMs = Math.min(request.budgetMs, deps.remainingTimeMs() - VERDICT_RESERVE_MS);
  const deadline = started + budgetMs;
  let consecutivePasses = 0;
  let rounds = 0;
  let streaks = new Map<string, number>();
  for (;;) {
    const roundStarted = deps.clock.now().getTime();
    rounds += 1;
    const observed = await observe(request, deps.ports);
    const round = evaluateRound(request, observed);
    consecutivePasses = round.checks.every((check) => check.passed) ? consecutivePasses + 1 : 0;
    deps.onRound?.(rounds, consecutivePasses, round.checks);
    if (consecutivePasses >= request.consecutivePasses) return verdict(round, rounds, started, deps.clock, { concludedBy: 'consecutive_passes' });
    const early = judgeEarly(request, observed, streaks, deps.clock.now().getTime() - restoredAt);
    if (early.verdict) return verdict(round, rounds, started, deps.clock, early.verdict);
    streaks = early.streaks;
    const nextRound = roundStarted + request.pollIntervalMs;
    if (nextRound > deadline) {
      return verdict(round, rounds, started, deps.clock, { concludedBy: 'budget', reason: `not healthy within ${Math.round(budgetMs / 1_000)} s (${rounds} round(s))` });
    }
    await deps.sleep(Math.max(0, nextRound - deps.clock.now().getTime()));
  }
}

/** The result for the last round: a failure says why it came when it did, and names every failing check. */
function verdict(round: RoundEvaluation, rounds: number, started: number, clock: Clock, conclusion: EarlyVerdict | { concludedBy: 'consecutive_passes' } | { concludedBy: 'budget'; reason: string }): ValidationResult {
  const { checks, failedAlarms, healthCheckStatus, versionMatch } = round;
  const success = conclusion.concludedBy === 'consecutive_passes';
  const failing = checks.filter((check) => !check.passed);
  return {
    success,
    concludedBy: conclusion.concludedBy,
    ...('reason' in conclusion
      ? {
          reason: `${conclusion.reason}; last round (${rounds}): ${failing.map((check) => `${check.environment} ${check.check}: ${check.detail}`).join('; ')}`,
        }
      : {}),
    ...(failedAlarms.length > 0 ? { failedAlarms } : {}),
    ...(healthCheckStatus !== undefined ? { healthCheckStatus } : {}),
    ...(versionMatch !== undefined ? { versionMatch } : {}),
    timestamp: clock.now().toISOString(),
    checks,
    rounds,
    durationMs: clock.now().getTime() - started,
  };
}

/** Answers whatever invoked the validator: a bad request is a failed result naming the problem, never a throw. */
export async function answerValidationRequest(raw: unknown, deps: PollingDependencies): Promise<ValidationResult> {
  const parsed = validationRequestSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      success: false,
      reason: `invalid validation request: ${describeIssues(parsed.error).join('; ')}`,
      timestamp: deps.clock.now().toISOString(),
      checks: [],
      rounds: 0,
      durationMs: 0,
    };
  }
  return validateRollback(parsed.data, deps);
}
