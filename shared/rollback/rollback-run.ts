import { errorLine } from '../aws/error-line';
import type { DeploymentRecord, RollbackTrigger } from '../history/deployment-record';
import type { EnvironmentHead } from '../history/environment-head';
import { ClaimLostError } from '../history/history-errors';
import {
  boundTimeline,
  listedNames,
  MAX_EVIDENCE_DETAIL,
  MAX_LISTED_ENVIRONMENTS,
  MAX_JOURNALED_EVIDENCE,
  stepsOfRun,
  type ClaimFacts,
  type JournaledEvidence,
  type EnvironmentRestore,
  type HandoverCause,
  type JournalStep,
  type NotificationDelivery,
  type StepOf,
} from '../history/run-journal';
import type { Journal, RunRef } from '../history/run-store';
import type { RollbackNotification } from '../notify/notifier';
import { notificationFor, startNotificationFor } from '../notify/rollback-notification';
import { ValidatorUnavailableError, type ValidationResult } from '../validation/validation-contract';
import { automationFor } from './automation-mode';
import { decideFullScope, type FullScopeCandidate } from './full-scope';
import { deliverNotification } from './deliver-notification';
import { restoreEnvironment } from './environment-restore';
import { countJoined, describeRestores, restoreStepOutcome, summarizeRestores } from './restore-verdict';
import type { RollbackRunResult } from './run-context';
import type { RollbackDependencies } from './run-dependencies';
import { describeLeft, isRestored, nextAction, runStateFrom, type NextAction, type RunState } from './run-state';
import { minimumValidationMs, validationBudgetMs, validationRequestFor } from './validation-scope';
import { liveChangeOfRestore } from './restore-verdict';

/** Writing the journal failed for a reason other than losing the run (DynamoDB throttled or down). */
export class JournalWriteError extends Error {
  constructor(cause: unknown) {
    super(`the journal could not be written: ${(cause as Error).name}: ${(cause as Error).message}`, { cause });
    this.name = 'JournalWriteError';
  }
}

/** "production alarm demo-shop-prod-api-5xx: 3 datapoint(s), …": what a recovered verdict rested on, in one line. Pure. */
export function describeEvidence(result: ValidationResult): string {
  const recovered = result.evidence.filter((item) => item.verdict === 'recovered' && item.basis !== 'target');
  if (recovered.length === 0) return 'no evidence listed';
  return recovered.map((item) => `${item.environment} ${item.check}${item.datapoints !== undefined ? ` (${item.datapoints} ${item.basis === 'traffic' ? 'invocation(s)' : 'datapoint(s)'})` : ''}`).join(', ');
}

/** The evidence a journal keeps: what decided, then the rest, each detail cut; at most MAX_JOURNALED_EVIDENCE. Pure. */
export function journaledEvidence(result: ValidationResult): JournaledEvidence[] {
  const order = { not_recovered: 0, inconclusive: 1, recovered: 2 } as const;
  return [...result.evidence]
    .sort((left, right) => order[left.verdict] - order[right.verdict])
    .slice(0, MAX_JOURNALED_EVIDENCE)
    .map((item) => ({
      environment: item.environment,
      check: item.check,
      verdict: item.verdict,
      detail: item.detail.length > MAX_EVIDENCE_DETAIL ? `${item.detail.slice(0, MAX_EVIDENCE_DETAIL - 1)}…` : item.detail,
      ...(item.datapoints !== undefined ? { datapoints: item.datapoints } : {}),
      ...(item.basis ? { basis: item.basis } : {}),
    }));
}

/** The trigger a claim step describes, for the other records a full rollback claims. */
export function triggerOf(claim: ClaimFacts): RollbackTrigger {
  const type = claim.mode === 'automatic' ? (claim.triggerType ?? 'alarm') : claim.mode;
  return { type, ...(claim.alarmName ? { alarmName: claim.alarmName } : {}), ...(claim.requestedBy ? { requestedBy: claim.requestedBy } : {}), ...(claim.verifiedBy ? { verifiedBy: claim.verifiedBy } : {}) };
}

type Answer = RollbackRunResult | undefined;

/**
 * Drives one claimed run to its end. It holds nothing but the journal (and a cache of the records
 * it read): each turn it folds the journal into the run's state, asks `nextAction` what to do,
 * does it, and journals the outcome before the next turn. Whatever stops it — the validator out
 * of reach, the journal unwritable, the invocation's time — ends in a handover the reconciler picks
 * up, never in a throw.
 */
export class RollbackRun {
  #journal: Journal;
  readonly #records = new Map<string, DeploymentRecord>();
  readonly #leaseExpiresAt?: string;
  /** How many invocations took the run on, as its record counts them (every attempt, journaled or not). */
  readonly #attempts: number;
  /** The "rolling back now" announcement, in flight alongside the restore; every later one waits for it, so people hear them in order. */
  #started: Promise<unknown> = Promise.resolve();
  /** This invocation wrote the run's status change (its metrics count the rollback). */
  #completedHere = false;
  /** Each joined environment's full-rollback facts, as journaled on its own record. */
  readonly #joinedRestores = new Map<string, EnvironmentRestore>();

  constructor(
    private readonly ref: RunRef,
    private readonly deps: RollbackDependencies,
    journalRecord: DeploymentRecord,
    private readonly elapsed: () => number,
    alreadyRead: readonly DeploymentRecord[] = [],
  ) {
    this.#journal = { timeline: journalRecord.timeline ?? [], dropped: journalRecord.timelineDropped ?? 0 };
    this.#leaseExpiresAt = journalRecord.rollback?.leaseExpiresAt;
    this.#attempts = journalRecord.rollback?.attempts ?? 1;
    for (const record of [journalRecord, ...alreadyRead]) this.#records.set(record.deploymentId, record);
  }

  get #state(): RunState {
    return runStateFrom(this.#journal.timeline, this.ref.runId, this.#attempts);
  }

  /** Runs the state machine from wherever the journal says it is, after journaling that this invocation took it over. */
  async resume(): Promise<RollbackRunResult> {
    return this.#guarded(async () => {
      const state = this.#state;
      const lastHandover = state.handovers.at(-1);
      const attempt = state.attempt + 1;
      await this.#write(
        this.#step('resume', 'info', this.deps.clock.now(), `attempt ${attempt}, as invocation ${this.ref.invocationId}, after ${lastHandover ? `a handover (${lastHandover.facts.cause})` : 'its lease expired'}`, {
          invocationId: this.ref.invocationId,
          attempt,
        }),
      );
      return this.#drive();
    });
  }

  /** A fresh claim: announces the start without waiting for it, then drives. */
  async drive(): Promise<RollbackRunResult> {
    const { claim } = this.#state;
    if (claim.mode !== 'drill') this.#started = this.#deliver(startNotificationFor(claim, this.ref));
    try {
      return await this.#guarded(() => this.#drive());
    } finally {
      await this.#started;
    }
  }

  /** Runs the work while a heartbeat renews the lease; whatever stops it ends in an answer, never a throw. */
  async #guarded(work: () => Promise<RollbackRunResult>): Promise<RollbackRunResult> {
    const heartbeat = this.#startHeartbeat();
    try {
      return await work();
    } catch (error) {
      if (error instanceof ClaimLostError) {
        this.deps.logger.warn('run taken over by another invocation', { runId: this.ref.runId, error: error.message });
        return this.#result({ outcome: 'duplicate', reason: `another invocation drives run ${this.ref.runId} now: ${error.message}` });
      }
      const why = error instanceof JournalWriteError ? error.message : `interrupted by an unexpected error: ${errorLine(error)}`;
      this.deps.logger.error('run interrupted', { runId: this.ref.runId, error: (error as Error).message });
      // Past its attempts, a run whose journal cannot be written ends without it, rather than hold the environment.
      if (this.#state.attempt > this.deps.config.policy.maxRunAttempts) return this.#abandon(why);
      return this.#handOver('interrupted', why);
    } finally {
      heartbeat.stop();
    }
  }

  /**
   * While the run is alive its lease is renewed every third of its length — also while it waits on
   * the validator — so only a dead invocation lets it run out: a retry or the reconciler then resumes
   * the run within the lease and a reconciler period. Losing the claim stops the renewals; the next
   * write says so to the run.
   */
  #startHeartbeat(): { stop(): void } {
    const leaseSeconds = this.deps.config.policy.leaseSeconds;
    let stopped = false;
    const timer = setInterval(() => {
      if (stopped) return;
      this.deps.history.runs.renewLease(this.ref, leaseSeconds).catch((error: Error) => {
        if (error instanceof ClaimLostError) stopped = true;
        else this.deps.logger.warn('could not renew the run’s lease; the next renewal tries again', { runId: this.ref.runId, error: error.message });
      });
    }, (leaseSeconds * 1_000) / 3);
    timer.unref?.();
    return {
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
    };
  }

  /** Lets go of an announced run whose journal could not be written: its finished entry on the ledger, then its lease removed without the journal. */
  async #letGoUnjournaled(state: RunState): Promise<void> {
    try {
      if (state.claim.mode !== 'drill') await this.deps.history.controls.noteRollback(await this.#record(this.ref.deploymentId));
      await this.deps.history.runs.abandon(this.ref, state.completion?.facts.reason ?? 'announced; its journal could not be written');
    } catch (error) {
      this.deps.logger.error('could not let go of the announced run; its lease runs out and it is resumed', { runId: this.ref.runId, error: (error as Error).message });
    }
  }

  /**
   * Out of attempts and unable to write the journal (too large, refused): the record ends
   * `rollback_failed` without it and the environment is let go of; people are told once — at the
   * first attempt past the limit — unless the outcome was already announced.
   */
  async #abandon(why: string): Promise<RollbackRunResult> {
    const state = this.#state;
    const reason = state.completion?.facts.reason ?? `gave up after ${this.deps.config.policy.maxRunAttempts} attempts: ${why}`;
    try {
      if (state.claim.mode !== 'drill') {
        // On the ledger first, finished: the cooldown and the hourly limit count it once it let go.
        const record = await this.#record(this.ref.deploymentId);
        await this.deps.history.controls.noteRollback({ ...record, rollback: { ...record.rollback!, finishedAt: this.deps.clock.now().toISOString() } }).catch(() => undefined);
      }
      await this.deps.history.runs.abandon(this.ref, reason);
      // Ended here, without a complete step: the status change is this one.
      if (!state.completion) this.#completedHere = true;
    } catch (error) {
      this.deps.logger.error('could not end the run; it is tried again when its lease runs out', { runId: this.ref.runId, error: (error as Error).message });
    }
    this.deps.logger.error('run abandoned without its journal', { deploymentId: this.ref.deploymentId, runId: this.ref.runId, reason });
    const outcome = state.completion?.facts.outcome ?? 'rollback_failed';
    const result = this.#result({ outcome, level: state.completion?.facts.level ?? (state.fullScope ? 'full' : state.claim.mode === 'manual' ? 'manual' : 'stage'), reason });
    const isFirstPastLimit = state.attempt === this.deps.config.policy.maxRunAttempts + 1;
    if (!isFirstPastLimit || state.notifications.length > 0) return result;
    const notification = this.#notificationFor({ ...result, outcome: 'rollback_failed' });
    const delivery = await this.#deliver(notification);
    return { ...result, notification: { type: notification.type, severity: notification.severity, delivery } };
  }

  async #drive(): Promise<RollbackRunResult> {
    const origin = this.deps.config.environments.find((environment) => environment.name === this.#state.claim.environment);
    const limits = { maxAttempts: this.deps.config.policy.maxRunAttempts, widenOnInconclusive: origin?.onInconclusive === 'full' };
    for (;;) {
      const state = this.#state;
      const action = nextAction(state, limits);
      this.deps.logger.info('next step', { action: action.action, deploymentId: this.ref.deploymentId, runId: this.ref.runId, attempt: state.attempt });
      const answer = await this.#take(action, state);
      if (answer) return answer;
    }
  }

  async #take(action: NextAction, state: RunState): Promise<Answer> {
    switch (action.action) {
      case 'restore':
        return this.#restore(action.level, state);
      case 'plan-full-scope':
        return this.#planFullScope(state);
      case 'validate':
        return this.#validate(action.level, state);
      case 'complete':
        return this.#complete(action, state);
      case 'notify':
        return this.#notify(state);
      case 'finish':
        return this.#finish(state);
      default: {
        const exhaustive: never = action;
        throw new Error(`unhandled action ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  async #restore(level: 'stage' | 'full', state: RunState): Promise<Answer> {
    const started = this.deps.clock.now();
    const { claim } = state;
    const origin = { environment: claim.environment, fromDeploymentId: claim.fromDeploymentId, toDeploymentId: claim.toDeploymentId, toVersion: claim.toVersion };
    const entries = level === 'stage' ? [origin] : state.fullScope!.facts.entries;
    const isStageRestored = state.stageRestore !== undefined && isRestored(state.stageRestore.facts.environments);
    const environments = await Promise.all(
      entries.map(async (entry): Promise<EnvironmentRestore> => {
        // The origin environment is already back if the stage restore took: restoring it twice helps nobody.
        if (level === 'full' && entry.environment === claim.environment && isStageRestored) return { ...entry, verdict: 'already_restored', targets: [] };
        return this.#restoreEnvironment(entry, state);
      }),
    );
    if (claim.mode !== 'drill') await this.#keepLive(environments, level === 'stage' && claim.mode === 'manual' ? 'manual' : level);
    if (level === 'stage') {
      await this.#write(this.#step('stage-rollback', restoreStepOutcome(environments), started, describeRestores(environments), { environments }));
      return undefined;
    }
    // Each joined environment's facts go on its own record first (a crash before the run's step restores again: a no-op);
    // the run's record keeps the origin's and counts the others, so it stays small however many environments join.
    const journaledElsewhere = (restore: EnvironmentRestore) => restore.environment !== claim.environment && restore.verdict !== 'already_restored' && claim.mode !== 'drill';
    const joined = environments.filter(journaledElsewhere);
    await Promise.all(
      joined.map(async (restore) => {
        await this.deps.history.runs.journalJoined({
          deploymentId: restore.fromDeploymentId,
          runId: this.ref.runId,
          partOf: this.ref.deploymentId,
          step: this.#step('full-rollback', restoreStepOutcome([restore]), started, describeRestores([restore]), { environments: [restore] }),
        });
        this.#joinedRestores.set(restore.environment, restore);
      }),
    );
    const facts = {
      environments: environments.filter((restore) => !journaledElsewhere(restore)),
      ...(joined.length > 0 ? { joined: countJoined(joined) } : {}),
    };
    await this.#write(this.#step('full-rollback', restoreStepOutcome(environments), started, summarizeRestores(environments), facts));
    return undefined;
  }

  /**
   * The state with every joined environment's full-rollback facts in place, in scope order: from
   * this invocation's memory, else (a resumed run) from that environment's own record. Older
   * journals kept a summary of each (`factsOn`); newer ones count them and the scope names them.
   */
  async #withJoinedFacts(state: RunState): Promise<RunState> {
    const fullRestore = state.fullRestore;
    if (!fullRestore) return state;
    const { environments: kept, joined } = fullRestore.facts;
    const elsewhere = joined
      ? (state.fullScope?.facts.entries ?? []).filter((entry) => !kept.some((restore) => restore.environment === entry.environment)).map((entry) => ({ environment: entry.environment, factsOn: entry.fromDeploymentId }))
      : kept.filter((restore) => restore.factsOn !== undefined).map((restore) => ({ environment: restore.environment, factsOn: restore.factsOn! }));
    if (elsewhere.length === 0) return state;
    await Promise.all(
      elsewhere
        .filter((summary) => !this.#joinedRestores.has(summary.environment))
        .map(async (summary) => {
          const record = await this.deps.history.deployments.getDeployment(summary.factsOn);
          const own = record?.timeline?.findLast((step): step is StepOf<'full-rollback'> => step.step === 'full-rollback' && step.runId === this.ref.runId);
          const facts = own?.facts.environments.find((restore) => restore.environment === summary.environment);
          if (facts) this.#joinedRestores.set(summary.environment, facts);
        }),
    );
    const missing = elsewhere.filter((summary) => !this.#joinedRestores.has(summary.environment));
    if (joined && missing.length > 0) {
      // Counted as joined but its facts are not on its record: say so rather than validate less than was restored.
      throw new Error(`the full rollback's facts for ${listedNames(missing.map((summary) => summary.environment))} are missing from their records`);
    }
    const order = new Map(state.fullScope?.facts.entries.map((entry, index) => [entry.environment, index]));
    const environments = joined
      ? [...kept, ...elsewhere.map((summary) => this.#joinedRestores.get(summary.environment)!)].sort((a, b) => (order.get(a.environment) ?? 0) - (order.get(b.environment) ?? 0))
      : kept.map((restore) => (restore.factsOn !== undefined ? (this.#joinedRestores.get(restore.environment) ?? restore) : restore));
    return { ...state, fullRestore: { ...fullRestore, facts: { environments } } };
  }

  /**
   * What each restore put live goes on its environment's head before the restore is journaled: a
   * failure here hands over, and the resumed run restores again (a no-op) and writes it again.
   */
  async #keepLive(environments: readonly EnvironmentRestore[], level: 'stage' | 'full' | 'manual'): Promise<void> {
    const since = this.deps.clock.now().toISOString();
    await Promise.all(
      environments.map(async (restore) => {
        const change = liveChangeOfRestore(restore, { since, runId: this.ref.runId, level });
        if (change) await this.deps.history.controls.noteLive(restore.environment, change);
      }),
    );
  }

  /** Each configured target of the environment, from the restore points the deployments recorded. */
  async #restoreEnvironment(entry: Omit<EnvironmentRestore, 'verdict' | 'targets'>, state: RunState): Promise<EnvironmentRestore> {
    const [from, to] = await Promise.all([this.#record(entry.fromDeploymentId), this.#record(entry.toDeploymentId)]);
    return restoreEnvironment(this.deps, entry, from, to, {
      runId: this.ref.runId,
      reason: state.claim.reason,
      simulate: state.claim.mode === 'drill',
      // An earlier attempt may have restored before it could journal it.
      resumed: state.attempt > 1,
    });
  }

  /**
   * Every environment running the bad version joins, each claimed by this run before anything is
   * touched, so their own alarms answer "duplicate"; the scope is journaled before the restore.
   */
  async #planFullScope(state: RunState): Promise<Answer> {
    const started = this.deps.clock.now();
    const { claim } = state;
    const { config, history } = this.deps;
    const [from, to] = await Promise.all([this.#record(claim.fromDeploymentId), this.#record(claim.toDeploymentId)]);
    const origin = { environment: claim.environment, fromDeploymentId: from.deploymentId, toDeploymentId: to.deploymentId, toVersion: to.version };
    // A correlated storm (one bad version alarming in many environments) takes one full-scope decision, not one per run.
    const shares = claim.mode === 'automatic' && !claim.force && config.environments.length > 1;
    const decidedBy = shares ? await this.#openScopeDecision(from.version) : undefined;
    if (decidedBy) {
      const detail = `full rollback of ${claim.environment}; every other environment running ${from.version} is left to the full-scope decision run ${decidedBy.runId} (${decidedBy.deploymentId}) took at ${decidedBy.since}`;
      await this.#write(this.#step('full-scope', 'info', started, detail, { entries: [origin], left: [], sharedFrom: decidedBy }));
      return undefined;
    }
    const others = config.environments.filter((environment) => environment.name !== claim.environment);
    const views = await Promise.all(others.map(async (environment) => [environment, await history.deployments.readEnvironment(environment)] as const));
    const pairs = new Map(views.map(([environment, view]) => [environment.name, view.pair]));
    // Modes hold across environments: one that observes or is paused is left out (its head holds the pause).
    const automation = new Map(views.map(([environment, view]) => [environment.name, automationFor(environment.name, environment.mode, view.head?.control, started)]));
    const decision = decideFullScope({ environments: config.environments, origin: { environment: claim.environment, from, to }, pairs, automation, runId: this.ref.runId, force: claim.force });
    const left = [...decision.left];
    const joined = await Promise.all(
      decision.candidates.map(async (candidate): Promise<FullScopeCandidate | undefined> => {
        if (candidate.needsClaim && claim.mode !== 'drill') {
          const claimed = await history.runs.claim({
            observed: candidate.from,
            runId: this.ref.runId,
            invocationId: this.ref.invocationId,
            mode: claim.mode,
            trigger: triggerOf(claim),
            leaseSeconds: config.policy.leaseSeconds,
            partOf: this.ref.deploymentId,
          });
          if (claimed.outcome !== 'claimed') {
            left.push({ environment: candidate.environment, why: `${candidate.from.deploymentId} could not be claimed (${claimed.outcome.replace('_', ' ')})` });
            return undefined;
          }
          this.#records.set(candidate.from.deploymentId, claimed.deployment);
          await noteClaimOnLedger(claimed.deployment, this.deps);
        } else {
          this.#records.set(candidate.from.deploymentId, candidate.from);
        }
        this.#records.set(candidate.to.deploymentId, candidate.to);
        return candidate;
      }),
    );
    const entries = joined
      .filter((candidate): candidate is FullScopeCandidate => candidate !== undefined)
      .map((candidate) => ({ environment: candidate.environment, fromDeploymentId: candidate.from.deploymentId, toDeploymentId: candidate.to.deploymentId, toVersion: candidate.to.version }));
    const detail = `full rollback of ${listedNames(entries.map((entry) => entry.environment))}${describeLeft(left)}`;
    const listedLeft = left.slice(0, MAX_LISTED_ENVIRONMENTS);
    await this.#write(this.#step('full-scope', 'info', started, detail, { entries, left: listedLeft, ...(left.length > listedLeft.length ? { leftCount: left.length } : {}) }));
    if (shares) {
      await this.deps.history.runs.closeScopeDecision({ version: from.version, runId: this.ref.runId }).catch((error: unknown) => {
        // Open, it lets another run take the decision over once its time is up: a storm still gets one, a little later.
        this.deps.logger.warn('could not mark the full-scope decision taken', { version: from.version, runId: this.ref.runId, error: (error as Error).message });
      });
    }
    return undefined;
  }

  /** Which other run took this bad version's full-scope decision (undefined: this run takes it, also when the table cannot say). */
  async #openScopeDecision(version: string): Promise<{ runId: string; deploymentId: string; since: string } | undefined> {
    const { policy } = this.deps.config;
    try {
      const opened = await this.deps.history.runs.openScopeDecision({ version, runId: this.ref.runId, deploymentId: this.ref.deploymentId, decidingSeconds: policy.leaseSeconds, validSeconds: policy.validation.timeoutSeconds });
      return opened.decide ? undefined : opened.decidedBy;
    } catch (error) {
      // Deciding alone costs reads, never a rollback: the storm's sharing is an economy.
      this.deps.logger.warn('could not open the full-scope decision; deciding alone', { version, runId: this.ref.runId, error: (error as Error).message });
      return undefined;
    }
  }

  async #validate(level: 'stage' | 'full', state: RunState): Promise<Answer> {
    const started = this.deps.clock.now();
    const { policy } = this.deps.config;
    const remainingMs = this.deps.remainingTimeMs();
    const validationsLeft = level === 'stage' && state.claim.mode !== 'manual' ? 2 : 1;
    const budgetMs = validationBudgetMs(policy, remainingMs, validationsLeft);
    const neededMs = minimumValidationMs(policy);
    if (budgetMs < neededMs) {
      return this.#handOver('out_of_time', `${Math.max(0, remainingMs)} ms of invocation time left: not enough to validate (it takes at least ${neededMs} ms)`);
    }
    const request = validationRequestFor({ config: this.deps.config, state: level === 'full' ? await this.#withJoinedFacts(state) : state, level, budgetMs });
    let result: ValidationResult;
    try {
      result = await this.deps.validator.validate(request);
    } catch (error) {
      if (error instanceof ValidatorUnavailableError) return this.#handOver('validator_unavailable', error.message);
      throw error;
    }
    const names = listedNames(request.environments.map((environment) => environment.name));
    const verdict = result.verdict ?? (result.success ? 'recovered' : 'not_recovered');
    const detail = verdict === 'recovered' ? `${names} recovered after ${result.rounds} round(s): ${describeEvidence(result)}` : (result.reason ?? 'validation failed');
    const name = level === 'stage' ? 'stage-validation' : 'full-validation';
    await this.#write(
      this.#step(name, verdict === 'recovered' ? 'ok' : verdict === 'inconclusive' ? 'warning' : 'failed', started, detail, {
        passed: verdict === 'recovered',
        rounds: result.rounds,
        verdict,
        ...(result.concludedBy ? { concludedBy: result.concludedBy } : {}),
        ...(result.decidedBy ? { decidedBy: result.decidedBy } : {}),
        ...(result.evidence.length > 0 ? { evidence: journaledEvidence(result) } : {}),
      }),
    );
    return undefined;
  }

  /** Ends the other environments' records first, then the journal's own with its complete step: a resume finds either all or the rest. */
  async #complete(action: Extract<NextAction, { action: 'complete' }>, state: RunState): Promise<Answer> {
    const started = this.deps.clock.now();
    const { claim } = state;
    const { runs } = this.deps.history;
    const joined = action.level === 'full' && claim.mode !== 'drill' ? (state.fullScope?.facts.entries ?? []).filter((entry) => entry.environment !== claim.environment) : [];
    // Unverified: the records say rolled_back (the restore stays), marked so.
    const status = action.outcome === 'unverified' ? { outcome: 'rolled_back' as const, verdict: 'unverified' as const } : { outcome: action.outcome };
    await Promise.all(
      joined.map(async (entry) => {
        const completed = await runs.completeJoined({
          deploymentId: entry.fromDeploymentId,
          runId: this.ref.runId,
          partOf: this.ref.deploymentId,
          ...status,
          level: action.level,
          reason: `${action.reason} (full rollback started by ${this.ref.deploymentId})`,
          targetDeploymentId: entry.toDeploymentId,
          targetVersion: entry.toVersion,
        });
        // Its environment's guards count it from now; a failure here hands over, and the resume writes it again.
        await this.deps.history.controls.noteRollback(completed);
      }),
    );
    const deploymentIds = [this.ref.deploymentId, ...joined.map((entry) => entry.fromDeploymentId)];
    const step = this.#step('complete', action.outcome === 'rolled_back' ? 'ok' : action.outcome === 'unverified' ? 'warning' : 'failed', started, `${action.outcome} at level ${action.level}`, {
      outcome: action.outcome,
      level: action.level,
      reason: action.reason,
      deploymentIds: deploymentIds.slice(0, MAX_LISTED_ENVIRONMENTS),
      ...(deploymentIds.length > MAX_LISTED_ENVIRONMENTS ? { completedCount: deploymentIds.length } : {}),
    });
    await this.#write(
      step,
      async (journal) => {
        const completed = await runs.complete(this.ref, { ...status, level: action.level, reason: action.reason, targetDeploymentId: claim.toDeploymentId, targetVersion: claim.toVersion }, journal);
        this.#records.set(this.ref.deploymentId, completed);
        this.#completedHere = true;
      },
      { isTheWrite: true },
    );
    this.deps.logger.info('rollback complete', { deploymentId: this.ref.deploymentId, outcome: action.outcome, rollbackLevel: action.level });
    return undefined;
  }

  /**
   * Publishes the outcome, then journals that it did and lets go of the run in the same write. A
   * crash between the two announces it again on resume (at least once); nothing reached means the
   * lease is handed over so the reconciler tries again.
   */
  async #notify(state: RunState): Promise<Answer> {
    const started = this.deps.clock.now();
    const result = this.#outcome(state);
    const notification = this.#notificationFor(result);
    const delivery = await this.#deliver(notification);
    const detail = {
      published: `${notification.type} (${notification.severity})`,
      fallback: `${notification.type} (${notification.severity}) to the failed-events queue: the results topic refused it`,
      failed: `${notification.type} (${notification.severity}) reached nobody; the reconciler tries again`,
    }[delivery];
    const step = this.#step('notify', delivery === 'failed' ? 'failed' : 'ok', started, detail, { type: notification.type, severity: notification.severity, delivery });
    const { runs } = this.deps.history;
    try {
      await this.#write(step, (journal) => (delivery === 'failed' ? runs.handOver(this.ref, this.deps.clock.now(), journal) : this.#release(journal)));
    } catch (error) {
      this.deps.logger.warn('could not journal the announcement', { deploymentId: this.ref.deploymentId, error: (error as Error).message });
      // Announced: let go without the journal (on the ledger first), or a resume would announce it again each lease.
      if (delivery !== 'failed' && !(error instanceof ClaimLostError)) await this.#letGoUnjournaled(state);
    }
    return { ...this.#outcome(this.#state), notification: { type: notification.type, severity: notification.severity, delivery } };
  }

  /** Out of attempts to announce (or already announced): the run is over either way. */
  async #finish(state: RunState): Promise<Answer> {
    await this.#write(undefined, (journal) => this.#release(journal));
    const delivered = state.notifications.some((notification) => notification.facts.delivery !== 'failed');
    if (!delivered) this.deps.logger.error('outcome never announced', { deploymentId: this.ref.deploymentId, runId: this.ref.runId });
    return delivered ? this.#outcome(state) : { ...this.#outcome(state), notification: { type: 'rollback_result', severity: 'critical', delivery: 'failed' } };
  }

  /**
   * Lets go of the run — only once its finished entry is on the environment's ledger, so that the
   * guards never lose a rollback: if that write fails, the run is still held and is resumed.
   */
  async #release(journal: Journal): Promise<void> {
    if (this.#state.claim.mode !== 'drill') await this.deps.history.controls.noteRollback(await this.#record(this.ref.deploymentId));
    await this.deps.history.runs.release(this.ref, journal);
  }

  /**
   * Stops driving and lets the lease go now, journaling why, so the reconciler (or a retry) resumes
   * the run. The first handover of a run is announced; the reconciler's escalation after its last
   * attempt is the next thing anyone hears.
   */
  async #handOver(cause: HandoverCause, detail: string): Promise<RollbackRunResult> {
    const now = this.deps.clock.now();
    // Told once per run: an attempt whose handover never reached the journal still counts on the record.
    const isFirst = this.#state.handovers.length === 0 && this.#state.attempt === 1;
    let next = 'the reconciler resumes it within minutes';
    try {
      await this.#write(this.#step('handover', 'warning', now, detail, { cause, resumeAfter: now.toISOString() }), (journal) => this.deps.history.runs.handOver(this.ref, now, journal));
    } catch (error) {
      if (error instanceof ClaimLostError) return this.#result({ outcome: 'duplicate', reason: `another invocation drives run ${this.ref.runId} now` });
      next = `the journal could not be written either (${(error as Error).name}): the reconciler resumes it once its lease expires${this.#leaseExpiresAt ? ` at ${this.#leaseExpiresAt}` : ''}`;
    }
    this.deps.logger.warn('run handed over', { deploymentId: this.ref.deploymentId, runId: this.ref.runId, cause, detail });
    const result = this.#result({ outcome: 'handed_over', reason: `${detail}; ${next}` });
    if (!isFirst) return result;
    const notification = this.#notificationFor(result);
    const delivery = await this.#deliver(notification);
    return { ...result, notification: { type: notification.type, severity: notification.severity, delivery } };
  }

  async #deliver(notification: RollbackNotification): Promise<NotificationDelivery> {
    if (notification.type !== 'rollback_started') await this.#started;
    return deliverNotification(this.deps, notification);
  }

  #notificationFor(result: RollbackRunResult): RollbackNotification {
    const { claim } = this.#state;
    const notification = notificationFor(result, { alarm: claim.alarmName, requestedBy: claim.requestedBy, verifiedBy: claim.verifiedBy, limitNotice: claim.limitNotice });
    if (!notification) throw new Error(`no notification for outcome ${result.outcome}`);
    return notification;
  }

  /**
   * Appends a step (bounded), tells the listener, and writes the journal (by default as a plain
   * journal write). A step that records something done (a restore) stays in the journal even if
   * writing it fails: a handover then writes it whole. A step that *is* its write (`complete`: the
   * status change) is kept only once written, so a resumed run makes the change instead of reading
   * that it was made.
   */
  async #write(step: JournalStep | undefined, write: (journal: Journal) => Promise<unknown> = (journal) => this.deps.history.runs.writeJournal(this.ref, journal), options: { isTheWrite?: boolean } = {}): Promise<void> {
    const before = this.#journal;
    if (step) {
      const bounded = boundTimeline([...this.#journal.timeline, step], this.#journal.dropped);
      this.#journal = { timeline: bounded.timeline, dropped: bounded.dropped };
      if (!options.isTheWrite) this.deps.onStep?.(step);
    }
    try {
      await write(this.#journal);
    } catch (error) {
      if (options.isTheWrite) this.#journal = before;
      if (error instanceof ClaimLostError) throw error;
      throw new JournalWriteError(error);
    }
    if (step && options.isTheWrite) this.deps.onStep?.(step);
  }

  #step<Name extends JournalStep['step']>(name: Name, outcome: JournalStep['outcome'], started: Date, detail: string, facts: StepOf<Name>['facts']): StepOf<Name> {
    const durationMs = Math.max(0, this.deps.clock.now().getTime() - started.getTime());
    return { step: name, at: started.toISOString(), runId: this.ref.runId, outcome, durationMs, detail: detail.slice(0, 1_000), facts } as StepOf<Name>;
  }

  async #record(deploymentId: string): Promise<DeploymentRecord> {
    const known = this.#records.get(deploymentId);
    if (known) return known;
    const record = await this.deps.history.deployments.getDeployment(deploymentId);
    if (!record) throw new Error(`deployment ${deploymentId} is no longer in the history`);
    this.#records.set(deploymentId, record);
    return record;
  }

  /** The run's answer once complete. */
  #outcome(state: RunState): RollbackRunResult {
    const completion = state.completion!.facts;
    return this.#result({ outcome: completion.outcome, level: completion.level, reason: completion.reason });
  }

  #result(fields: Pick<RollbackRunResult, 'outcome'> & Partial<RollbackRunResult>): RollbackRunResult {
    const { claim } = this.#state;
    return {
      ...(this.#completedHere ? { completedHere: true } : {}),
      environment: claim.environment,
      deploymentId: this.ref.deploymentId,
      fromVersion: claim.fromVersion,
      toVersion: claim.toVersion,
      runId: this.ref.runId,
      drill: claim.mode === 'drill',
      mode: claim.mode,
      timeline: stepsOfRun(this.#journal.timeline, this.ref.runId),
      durationMs: this.elapsed(),
      ...fields,
    };
  }
}

/**
 * Puts a fresh claim on its environment's ledger, dropping (with `prune`) entries older than any
 * guard reads. Best effort while the run goes on: the finished entry, written again when the record
 * completes, is the one the guards must not miss.
 */
export async function noteClaimOnLedger(claimed: DeploymentRecord, deps: RollbackDependencies, prune?: { head: EnvironmentHead; before: Date }): Promise<void> {
  try {
    await deps.history.controls.noteRollback(claimed, { asClaimed: true, ...(prune ? { prune } : {}) });
  } catch (error) {
    deps.logger.warn('could not put the claim on the environment’s ledger yet; it is written again, finished, when the record completes', { deploymentId: claimed.deploymentId, error: (error as Error).message });
  }
}

/** Drives on a run whose lease ran out, through the record that holds its journal. */
export async function resumeRun(observed: DeploymentRecord, invocationId: string, deps: RollbackDependencies, elapsed: () => number): Promise<RollbackRunResult> {
  const { history, config } = deps;
  const partOf = observed.rollback?.partOf;
  const journalRecord = partOf ? await history.deployments.getDeployment(partOf) : observed;
  const base = { environment: observed.environment, drill: observed.kind === 'drill', runId: observed.rollback?.runId, timeline: [], durationMs: 0 };
  // A record claimed for a full rollback whose run is over without it (it died between claiming it and journaling the scope).
  const isOrphan = partOf !== undefined && (journalRecord?.rollback?.runId !== observed.rollback!.runId || journalRecord.rollback.leaseExpiresAt === undefined);
  if (isOrphan) {
    const reason = `claimed for the full rollback of run ${observed.rollback!.runId} (on ${partOf}), which ended without restoring it: a person must check ${observed.environment}`;
    // On the ledger first: once the record is closed, nothing comes back to it.
    await history.controls.noteRollback({ ...observed, rollback: { ...observed.rollback!, finishedAt: deps.clock.now().toISOString() } });
    const closed = await history.runs.completeJoined({ deploymentId: observed.deploymentId, runId: observed.rollback!.runId, partOf: partOf!, outcome: 'rollback_failed', level: 'full', reason });
    deps.logger.error('closed a record its run left claimed', { deploymentId: closed.deploymentId, partOf });
    const result: RollbackRunResult = { ...base, outcome: 'rollback_failed', level: 'full', deploymentId: closed.deploymentId, fromVersion: closed.version, reason, durationMs: elapsed() };
    const notification = notificationFor(result, {})!;
    const delivery = await deliverNotification(deps, notification);
    return { ...result, notification: { type: notification.type, severity: notification.severity, delivery } };
  }
  if (!journalRecord) return { ...base, outcome: 'skipped', reason: `the record holding the journal of ${observed.deploymentId} (${partOf}) is gone`, durationMs: elapsed() };
  const resumed = await history.runs.resume({ observed: journalRecord, invocationId, leaseSeconds: config.policy.leaseSeconds });
  switch (resumed.outcome) {
    case 'resumed': {
      const record = resumed.deployment;
      deps.logger.info('resuming run', { deploymentId: record.deploymentId, runId: record.rollback!.runId });
      return new RollbackRun({ deploymentId: record.deploymentId, runId: record.rollback!.runId, invocationId }, deps, record, elapsed).resume();
    }
    case 'held':
      return { ...base, outcome: 'duplicate', deploymentId: journalRecord.deploymentId, reason: `another invocation resumed run ${journalRecord.rollback?.runId} first`, durationMs: elapsed() };
    case 'not_claimable':
      return answerFromRecord(resumed.deployment, elapsed);
    case 'not_found':
      return { ...base, outcome: 'skipped', reason: `deployment ${resumed.deploymentId} is gone`, durationMs: elapsed() };
    default: {
      const exhaustive: never = resumed;
      throw new Error(`unhandled resume ${JSON.stringify(exhaustive)}`);
    }
  }
}

/** A finished run's answer, read from its record: a retry of the same event hears the same outcome. */
export function answerFromRecord(record: DeploymentRecord, elapsed: () => number): RollbackRunResult {
  const rollback = record.rollback;
  const isFinished = record.status === 'rolled_back' || record.status === 'rollback_failed';
  const base = { environment: record.environment, deploymentId: record.deploymentId, fromVersion: record.version, drill: record.kind === 'drill', durationMs: elapsed() };
  if (!rollback || !isFinished) return { ...base, outcome: 'duplicate', reason: `deployment ${record.deploymentId} is ${record.status}`, timeline: [] };
  return {
    ...base,
    outcome: rollback.verdict === 'unverified' ? 'unverified' : (record.status as 'rolled_back' | 'rollback_failed'),
    mode: rollback.mode,
    level: rollback.level,
    reason: rollback.reason,
    toVersion: rollback.targetVersion,
    runId: rollback.runId,
    timeline: stepsOfRun(record.timeline ?? [], rollback.runId),
  };
}
