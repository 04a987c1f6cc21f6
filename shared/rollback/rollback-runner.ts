import type { RollbackConfig } from '../config';
import { parseInbound } from '../events/inbound-event';
import type { DeploymentRecord, TimelineStep } from '../history/deployment-record';
import type { HistoryStore } from '../history/history-store';
import type { Notifier } from '../notify/notifier';
import { notificationFor, type NotificationContext } from '../notify/rollback-notification';
import type { RestoreResult, RollbackTarget } from '../targets/rollback-target';
import type { Clock } from '../time/clock';
import type { Validator } from '../validation/validation-contract';
import { guardWindowStart, planRollback } from './rollback-plan';
import { resolveRequest, type RollbackRunResult, type RunContext } from './run-context';
import { nextAction, progressFromTimeline, RUN_STEPS, type NextAction } from './run-progress';
import { validationBudgetMs, validationRequestFor, type ScopeEntry } from './validation-scope';

/** The few logger methods the run uses (Powertools Logger satisfies it). */
export interface RunLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface RollbackDependencies {
  config: RollbackConfig;
  history: HistoryStore;
  /** Applied in order for each environment: the Lambda alias first, it is the instant traffic fix. */
  targets: readonly RollbackTarget[];
  validator: Validator;
  notifier: Notifier;
  clock: Clock;
  logger: RunLogger;
  /** What is left of the invocation's time; bounds validation. */
  remainingTimeMs(): number;
  /** Told each step as it is journaled (the local drill prints them live). */
  onStep?(step: TimelineStep): void;
}

/** Drill records are kept a week, then DynamoDB's TTL removes them. */
const DRILL_RETENTION_SECONDS = 7 * 24 * 3_600;

/**
 * Primary course: parse → environment → active + last good (one Query, guards read alongside) →
 * claim → stage rollback → validate → (not valid) full rollback → validate → complete → notify.
 * Expected outcomes come back as data; only the unexpected throws (and a retry then resumes).
 */
export async function runRollback(raw: unknown, invocationId: string, deps: RollbackDependencies): Promise<RollbackRunResult> {
  const startedAt = deps.clock.now().getTime();
  const elapsed = () => deps.clock.now().getTime() - startedAt;
  const parsed = parseInbound(raw);
  if (!parsed.ok) {
    deps.logger.info(`event ${parsed.outcome}`, { reason: parsed.reason });
    return { outcome: parsed.outcome, reason: parsed.reason, drill: false, timeline: [], durationMs: elapsed() };
  }
  const resolved = resolveRequest(parsed.inbound, deps.config, invocationId);
  if (!resolved.ok) {
    deps.logger.info(`event ${resolved.outcome}`, { reason: resolved.reason });
    return { outcome: resolved.outcome, reason: resolved.reason, drill: parsed.inbound.kind === 'drill', timeline: [], durationMs: elapsed() };
  }
  return new RollbackRun(resolved.context, deps, elapsed).execute();
}

class RollbackRun {
  readonly #context: RunContext;
  readonly #deps: RollbackDependencies;
  readonly #elapsed: () => number;
  readonly #isDrill: boolean;
  #steps: TimelineStep[] = [];
  /** Steps journaled with the next append rather than on their own (off the critical path). */
  #unjournaled: TimelineStep[] = [];
  #journalId = '';
  #fullScope: ScopeEntry[] | undefined;
  #pipelineExecutions = new Map<string, string>();

  constructor(context: RunContext, deps: RollbackDependencies, elapsed: () => number) {
    this.#context = context;
    this.#deps = deps;
    this.#elapsed = elapsed;
    this.#isDrill = context.mode === 'drill';
  }

  get #environmentName(): string {
    return this.#context.environment.name;
  }

  async execute(): Promise<RollbackRunResult> {
    const { history, config, clock, logger } = this.#deps;
    const context = this.#context;
    const now = clock.now();
    // Independent reads in parallel: the claim is then the only other call before the alias update.
    const [pair, recentRollbacks] = await Promise.all([
      history.findRollbackPair(this.#environmentName, { targetVersion: context.targetVersion }),
      history.listRollbacksSince(this.#environmentName, guardWindowStart(config.policy, now, context.alarmFiredAt)),
    ]);
    const plan = planRollback({
      environment: this.#environmentName,
      pair,
      recentRollbacks,
      runId: context.runId,
      policy: config.policy,
      now,
      isAutomatic: context.mode !== 'manual',
      alarmFiredAt: context.alarmFiredAt,
      targetVersion: context.targetVersion,
    });
    logger.info('rollback planned', { environment: this.#environmentName, runId: context.runId, decision: plan.decision });
    switch (plan.decision) {
      case 'reject':
        return this.#result({ outcome: 'rejected', reason: plan.reason });
      case 'duplicate':
        return this.#result({ outcome: 'duplicate', reason: plan.reason, deploymentId: plan.deploymentId });
      case 'finished_by_this_run':
        return this.#finishedEarlier(plan.deployment);
      case 'skip': {
        const active = pair.activeDeployment;
        return this.#announce(
          this.#result({ outcome: 'skipped', reason: plan.reason, deploymentId: plan.deploymentId, fromVersion: active?.version }),
          plan.severity,
        );
      }
      case 'proceed':
        return this.#isDrill ? this.#startDrill(plan.deployment, plan.target) : this.#claim(plan.deployment, plan.target);
      default: {
        const exhaustive: never = plan;
        throw new Error(`unhandled plan ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  async #claim(deployment: DeploymentRecord, target: DeploymentRecord): Promise<RollbackRunResult> {
    const { history, config, logger } = this.#deps;
    const claimStarted = this.#deps.clock.now();
    const claim = await history.claimForRollback({
      observed: deployment,
      runId: this.#context.runId,
      trigger: this.#context.trigger,
      leaseSeconds: config.policy.leaseSeconds,
    });
    const identity = { deploymentId: deployment.deploymentId, fromVersion: deployment.version, toVersion: target.version };
    switch (claim.outcome) {
      case 'already_claimed':
        return this.#result({ outcome: 'duplicate', ...identity, reason: `run ${claim.holderRunId} is already rolling back ${deployment.deploymentId}` });
      case 'not_found':
        return this.#result({ outcome: 'skipped', ...identity, reason: `deployment ${deployment.deploymentId} disappeared from the history before it could be claimed` });
      case 'not_claimable':
        return this.#finishedEarlier(claim.deployment);
      case 'claimed':
        break;
      default: {
        const exhaustive: never = claim;
        throw new Error(`unhandled claim ${JSON.stringify(exhaustive)}`);
      }
    }
    logger.info('claimed deployment', { deploymentId: deployment.deploymentId, environment: this.#environmentName, resumed: claim.resumed });
    this.#journalId = deployment.deploymentId;
    this.#steps = [...(claim.deployment.timeline ?? [])];
    // The claim itself already records the rollback; its timeline entry rides along with the next
    // step's append, so nothing but the claim stands between the alarm and the alias update.
    await this.#record(
      claim.resumed ? RUN_STEPS.resume : RUN_STEPS.claim,
      'info',
      claimStarted,
      claim.resumed
        ? `resumed ${claim.takenOverFrom ? `after the lease of run ${claim.takenOverFrom} expired` : 'the same run after an interruption'}`
        : `claimed ${deployment.deploymentId} (${deployment.version}); restoring ${target.deploymentId} (${target.version})`,
      { deferJournal: true },
    );
    return this.#drive(deployment, target);
  }

  /**
   * The deployment is no longer claimable: another run finished it (a duplicate), or this very run
   * did — then a retry answers with that run's outcome, and announces it if it was cut off before.
   */
  async #finishedEarlier(deployment: DeploymentRecord): Promise<RollbackRunResult> {
    const rollback = deployment.rollback;
    const base = { deploymentId: deployment.deploymentId, fromVersion: deployment.version, toVersion: rollback?.targetVersion };
    if (rollback?.runId !== this.#context.runId || (deployment.status !== 'rolled_back' && deployment.status !== 'rollback_failed')) {
      return this.#result({ outcome: 'duplicate', ...base, reason: `deployment ${deployment.deploymentId} is already ${deployment.status}` });
    }
    this.#journalId = deployment.deploymentId;
    this.#steps = [...(deployment.timeline ?? [])];
    const result = this.#result({ outcome: deployment.status, level: rollback.level, reason: rollback.reason, ...base });
    return progressFromTimeline(this.#steps).isNotified ? result : this.#announce(result);
  }

  async #startDrill(deployment: DeploymentRecord, target: DeploymentRecord): Promise<RollbackRunResult> {
    const started = this.#deps.clock.now();
    const drill = await this.#deps.history.startDrill({
      runId: this.#context.runId,
      environment: this.#environmentName,
      version: deployment.version,
      trigger: this.#context.trigger,
      target: { deploymentId: target.deploymentId, version: target.version },
      retentionSeconds: DRILL_RETENTION_SECONDS,
    });
    this.#journalId = drill.deployment.deploymentId;
    this.#steps = [...(drill.deployment.timeline ?? [])];
    if (drill.deployment.status !== 'rolling_back') return this.#finishedEarlier(drill.deployment);
    await this.#record(
      drill.resumed ? RUN_STEPS.resume : RUN_STEPS.claim,
      'info',
      started,
      `drill: would claim ${deployment.deploymentId} (${deployment.version}) and restore ${target.deploymentId} (${target.version}); nothing will be changed`,
    );
    return this.#drive(deployment, target);
  }

  /** Runs the state machine to completion, journaling each step before taking the next. */
  async #drive(bad: DeploymentRecord, good: DeploymentRecord): Promise<RollbackRunResult> {
    const stageScope: ScopeEntry[] = [{ environment: this.#context.environment, from: bad, to: good }];
    for (;;) {
      const action: NextAction = nextAction(progressFromTimeline(this.#steps), this.#context.mode);
      this.#deps.logger.info('next step', { action: action.action, deploymentId: bad.deploymentId, runId: this.#context.runId });
      switch (action.action) {
        case 'stage-rollback':
          await this.#rollBack(RUN_STEPS.stageRollback, stageScope);
          break;
        case 'full-rollback':
          this.#fullScope = await this.#findFullScope(bad, good);
          await this.#rollBack(RUN_STEPS.fullRollback, this.#fullScope);
          break;
        case 'validate': {
          const scope = action.level === 'stage' ? stageScope : (this.#fullScope ??= await this.#findFullScope(bad, good));
          await this.#validate(action.level, scope);
          break;
        }
        case 'complete':
          return this.#complete(action, bad, good);
        default: {
          const exhaustive: never = action;
          throw new Error(`unhandled action ${JSON.stringify(exhaustive)}`);
        }
      }
    }
  }

  async #rollBack(step: string, scope: readonly ScopeEntry[]): Promise<void> {
    const started = this.#deps.clock.now();
    const outcomes = await Promise.all(scope.map((entry) => this.#restoreEnvironment(entry)));
    const passed = outcomes.every((outcome) => outcome.passed);
    const detail = outcomes.map((outcome, index) => `${scope[index]!.environment.name}: ${outcome.detail}`).join(' | ');
    await this.#record(step, passed ? 'ok' : 'failed', started, detail);
  }

  async #restoreEnvironment(entry: ScopeEntry): Promise<{ passed: boolean; detail: string }> {
    const request = { environment: entry.environment, from: entry.from, to: entry.to, reason: this.#context.reason, simulate: this.#isDrill };
    const results: RestoreResult[] = [];
    for (const target of this.#deps.targets) {
      try {
        results.push(await target.restore(request));
      } catch (error) {
        // A target's own bug must not stop the other targets or the next level.
        results.push({ target: target.name, outcome: 'failed', detail: `unexpected error: ${(error as Error).message}` });
      }
    }
    const applicable = results.filter((result) => result.outcome !== 'not_applicable');
    const pipelineExecutionId = results.find((result) => result.pipelineExecutionId)?.pipelineExecutionId;
    if (pipelineExecutionId) this.#pipelineExecutions.set(entry.environment.name, pipelineExecutionId);
    if (applicable.length === 0) {
      return { passed: false, detail: `nothing to restore: ${entry.to.deploymentId} records no Lambda versions and no pipeline execution for the configured targets` };
    }
    return {
      passed: applicable.every((result) => result.outcome !== 'failed'),
      detail: applicable.map((result) => `${result.target} ${result.detail}`).join('; '),
    };
  }

  /**
   * Every environment running the bad version, each back to its own last known good. Other
   * environments' deployments are claimed by this same run, so their own alarms answer "duplicate".
   */
  async #findFullScope(bad: DeploymentRecord, good: DeploymentRecord): Promise<ScopeEntry[]> {
    const { config, history } = this.#deps;
    const others = config.environments.filter((environment) => environment.name !== this.#environmentName);
    const pairs = await Promise.all(others.map((environment) => history.findRollbackPair(environment.name)));
    const scope: ScopeEntry[] = [{ environment: this.#context.environment, from: bad, to: good }];
    const notes: string[] = [];
    await Promise.all(
      others.map(async (environment, index) => {
        const { activeDeployment, lastKnownGood } = pairs[index]!;
        if (activeDeployment?.version !== bad.version) return;
        if (!lastKnownGood) {
          notes.push(`${environment.name} runs ${bad.version} but has no known-good deployment to restore`);
          return;
        }
        if (!this.#isDrill) {
          const claim = await history.claimForRollback({
            observed: activeDeployment,
            runId: this.#context.runId,
            trigger: this.#context.trigger,
            leaseSeconds: config.policy.leaseSeconds,
          });
          if (claim.outcome !== 'claimed') {
            notes.push(`${environment.name}: ${activeDeployment.deploymentId} is ${claim.outcome.replace('_', ' ')}, left to its own run`);
            return;
          }
        }
        scope.push({ environment, from: activeDeployment, to: lastKnownGood });
      }),
    );
    const order = (entry: ScopeEntry) => config.environments.findIndex((environment) => environment.name === entry.environment.name);
    scope.sort((left, right) => order(left) - order(right));
    if (notes.length > 0) await this.#record('full-scope', 'info', this.#deps.clock.now(), notes.join(' | '));
    return scope;
  }

  async #validate(level: 'stage' | 'full', scope: readonly ScopeEntry[]): Promise<void> {
    const { config, validator } = this.#deps;
    const step = level === 'stage' ? RUN_STEPS.stageValidation : RUN_STEPS.fullValidation;
    const started = this.#deps.clock.now();
    const validationsLeft = level === 'stage' && this.#context.mode !== 'manual' ? 2 : 1;
    const budgetMs = validationBudgetMs(config.policy, this.#deps.remainingTimeMs(), validationsLeft);
    if (budgetMs < config.policy.validation.pollIntervalSeconds * 1_000) {
      await this.#record(step, 'failed', started, `not enough time left in this invocation to validate (${Math.max(budgetMs, 0)} ms)`);
      return;
    }
    const withExecutions = scope.map((entry) => ({ ...entry, pipelineExecutionId: this.#pipelineExecutions.get(entry.environment.name) }));
    const result = await validator.validate(validationRequestFor(withExecutions, config.policy, budgetMs, this.#isDrill));
    const detail = result.success
      ? `${scope.map((entry) => entry.environment.name).join(', ')} healthy after ${result.rounds} round(s)`
      : (result.reason ?? 'validation failed');
    await this.#record(step, result.success ? 'ok' : 'failed', started, detail);
  }

  async #complete(action: Extract<NextAction, { action: 'complete' }>, bad: DeploymentRecord, good: DeploymentRecord): Promise<RollbackRunResult> {
    const started = this.#deps.clock.now();
    const completions = [{ from: bad, to: good, deploymentId: this.#journalId }];
    if (action.level === 'full' && !this.#isDrill) {
      const scope = this.#fullScope ?? [];
      completions.push(
        ...scope.filter((entry) => entry.from.deploymentId !== bad.deploymentId).map((entry) => ({ from: entry.from, to: entry.to, deploymentId: entry.from.deploymentId })),
      );
    }
    await Promise.all(
      completions.map(({ deploymentId, to }) =>
        this.#deps.history.completeRollback({
          deploymentId,
          runId: this.#context.runId,
          outcome: action.outcome,
          level: action.level,
          reason: deploymentId === this.#journalId ? action.reason : `${action.reason} (full rollback started by ${bad.deploymentId})`,
          targetDeploymentId: to.deploymentId,
          targetVersion: to.version,
        }),
      ),
    );
    this.#deps.logger.info('rollback complete', { deploymentId: bad.deploymentId, outcome: action.outcome, level: action.level });
    await this.#record(RUN_STEPS.complete, action.outcome === 'rolled_back' ? 'ok' : 'failed', started, `${action.outcome} at level ${action.level}`);
    const result = this.#result({
      outcome: action.outcome,
      level: action.level,
      reason: action.reason,
      deploymentId: this.#journalId,
      fromVersion: bad.version,
      toVersion: good.version,
    });
    return this.#announce(result);
  }

  /** Publishes the outcome; a failure to notify is recorded and logged, never allowed to stop the run. */
  async #announce(result: RollbackRunResult, skipSeverity?: NotificationContext['skipSeverity']): Promise<RollbackRunResult> {
    const notification = notificationFor(result, {
      alarm: this.#context.trigger.alarmName,
      requestedBy: this.#context.trigger.requestedBy,
      skipSeverity,
    });
    if (!notification) return result;
    const started = this.#deps.clock.now();
    try {
      await this.#deps.notifier.notify(notification);
      await this.#record(RUN_STEPS.notify, 'ok', started, `${notification.type} (${notification.severity})`);
    } catch (error) {
      this.#deps.logger.error('notification failed', { error: (error as Error).message, deploymentId: result.deploymentId });
      await this.#record(RUN_STEPS.notify, 'failed', started, `notification failed: ${(error as Error).message}`);
    }
    return { ...result, timeline: [...this.#steps], durationMs: this.#elapsed() };
  }

  /** Appends one step to the run's journal (the claimed record), or only to the result when nothing is claimed. */
  async #record(step: string, outcome: TimelineStep['outcome'], started: Date, detail: string, options: { deferJournal?: boolean } = {}): Promise<void> {
    const entry: TimelineStep = {
      at: started.toISOString(),
      step,
      outcome,
      durationMs: Math.max(0, this.#deps.clock.now().getTime() - started.getTime()),
      detail: detail.slice(0, 1_000),
    };
    this.#steps.push(entry);
    this.#deps.onStep?.(entry);
    if (!this.#journalId) return;
    this.#unjournaled.push(entry);
    if (options.deferJournal) return;
    try {
      await this.#deps.history.appendTimeline(this.#journalId, this.#context.runId, this.#unjournaled.splice(0));
    } catch (error) {
      if (step !== RUN_STEPS.notify) throw error;
      this.#deps.logger.warn('could not journal the notification step', { error: (error as Error).message });
    }
  }

  #result(fields: Omit<RollbackRunResult, 'drill' | 'timeline' | 'durationMs' | 'environment'>): RollbackRunResult {
    return { ...fields, environment: this.#environmentName, drill: this.#isDrill, timeline: [...this.#steps], durationMs: this.#elapsed() };
  }
}
