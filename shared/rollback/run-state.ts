import type {
  ClaimFacts,
  EnvironmentRestore,
  JournalStep,
  RollbackLevel,
  StepOf,
} from '../history/run-journal';
import { stepsOfRun } from '../history/run-journal';
import { isRefusedForPerson } from './restore-verdict';

/** A reason names at most this many environments left out, each with its why (the full-scope step lists more). */
const NAMED_LEFT = 10;

/** Everything a run knows, read back from its journal: a resumed run holds exactly this. */
export interface RunState {
  runId: string;
  claim: ClaimFacts;
  /** 1 for the invocation that claimed it, one more per resume. */
  attempt: number;
  stageRestore?: StepOf<'stage-rollback'>;
  stageValidation?: StepOf<'stage-validation'>;
  fullScope?: StepOf<'full-scope'>;
  fullRestore?: StepOf<'full-rollback'>;
  fullValidation?: StepOf<'full-validation'>;
  handovers: StepOf<'handover'>[];
  completion?: StepOf<'complete'>;
  notifications: StepOf<'notify'>[];
}

/** The journal has no claim for the run: it cannot be resumed from it. */
export class JournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalError';
  }
}

function latest<Name extends JournalStep['step']>(steps: readonly JournalStep[], name: Name): StepOf<Name> | undefined {
  return steps.findLast((step): step is StepOf<Name> => step.step === name);
}

function all<Name extends JournalStep['step']>(steps: readonly JournalStep[], name: Name): StepOf<Name>[] {
  return steps.filter((step): step is StepOf<Name> => step.step === name);
}

/**
 * Folds one run's steps (other runs on the same record are ignored) into its state. `attempts` is
 * the count the record keeps (the takeover writes count it): an attempt whose resume step was never
 * journaled still counts. Pure.
 */
export function runStateFrom(timeline: readonly JournalStep[], runId: string, attempts = 0): RunState {
  const steps = stepsOfRun(timeline, runId);
  const claim = latest(steps, 'claim');
  if (!claim) throw new JournalError(`the journal holds no claim for run ${runId}`);
  return {
    runId,
    claim: claim.facts,
    attempt: Math.max(1 + all(steps, 'resume').length, attempts),
    stageRestore: latest(steps, 'stage-rollback'),
    stageValidation: latest(steps, 'stage-validation'),
    fullScope: latest(steps, 'full-scope'),
    fullRestore: latest(steps, 'full-rollback'),
    fullValidation: latest(steps, 'full-validation'),
    handovers: all(steps, 'handover'),
    completion: latest(steps, 'complete'),
    notifications: all(steps, 'notify'),
  };
}

/** Whether a restore met a refusal only a person may get past. Pure. */
export function needsPerson(environments: readonly EnvironmentRestore[]): boolean {
  return environments.some((environment) => environment.targets.some(isRefusedForPerson));
}

/** Whether every environment of a restore step is back on its known good (warnings allowed). */
export function isRestored(environments: readonly EnvironmentRestore[]): boolean {
  return environments.length > 0 && environments.every((environment) => environment.verdict !== 'failed');
}

export type NextAction =
  | { action: 'restore'; level: 'stage' | 'full' }
  /** Decide (and claim) which environments the full rollback covers, and journal it, before touching any. */
  | { action: 'plan-full-scope' }
  | { action: 'validate'; level: 'stage' | 'full' }
  | { action: 'complete'; outcome: 'rolled_back' | 'rollback_failed' | 'unverified'; level: RollbackLevel; reason: string }
  | { action: 'notify' }
  /** Announced (or out of attempts to announce): let go of the run. */
  | { action: 'finish' };

export interface RunLimits {
  /** A run is attempted at most this many times (the first, then resumes); past it, it is escalated. */
  maxAttempts: number;
  /** The origin environment's `onInconclusive: "full"`: a stage validation without a verdict widens (default: it does not). */
  widenOnInconclusive?: boolean;
}

/** A validation step's verdict: its own, or (older journals) what `passed` said. Pure. */
export function verdictOf(step: StepOf<'stage-validation'> | StepOf<'full-validation'>): 'recovered' | 'not_recovered' | 'inconclusive' {
  return step.facts.verdict ?? (step.facts.passed ? 'recovered' : 'not_recovered');
}

/**
 * The state machine: stage rollback → validate → (not valid) full scope → full rollback → validate →
 * complete → notify → finish. A manual request rolls back exactly what was asked and never widens.
 * A run resumed more often than the limit allows completes as rollback_failed, saying why. Pure.
 */
export function nextAction(state: RunState, limits: RunLimits): NextAction {
  if (state.completion) {
    const isAnnounced = state.notifications.some((notification) => notification.facts.delivery !== 'failed');
    const failedAnnouncements = state.notifications.filter((notification) => notification.facts.delivery === 'failed').length;
    return isAnnounced || failedAnnouncements >= limits.maxAttempts ? { action: 'finish' } : { action: 'notify' };
  }
  const stageLevel: RollbackLevel = state.claim.mode === 'manual' ? 'manual' : 'stage';
  if (state.attempt > limits.maxAttempts) {
    const why = state.handovers.at(-1)?.detail ?? 'each attempt was interrupted';
    return {
      action: 'complete',
      outcome: 'rollback_failed',
      level: state.fullScope ? 'full' : stageLevel,
      reason: `gave up after ${limits.maxAttempts} attempts: ${why}`,
    };
  }
  const { stageRestore, stageValidation, fullScope, fullRestore, fullValidation } = state;
  if (!stageRestore) return { action: 'restore', level: 'stage' };
  const isStageRestored = isRestored(stageRestore.facts.environments);
  if (isStageRestored && !stageValidation) return { action: 'validate', level: 'stage' };
  const stageVerdict = stageValidation ? verdictOf(stageValidation) : undefined;
  if (isStageRestored && stageVerdict === 'recovered') {
    return { action: 'complete', outcome: 'rolled_back', level: stageLevel, reason: `${stageLevel} rollback validated: ${stageValidation!.detail}` };
  }
  // No evidence either way: the restore stays and nothing widens on no evidence (unless the environment asks to).
  if (isStageRestored && stageVerdict === 'inconclusive' && (state.claim.mode === 'manual' || !limits.widenOnInconclusive)) {
    return { action: 'complete', outcome: 'unverified', level: stageLevel, reason: `${stageLevel} rollback unverified: ${stageValidation!.detail}` };
  }
  const stageFailure = isStageRestored ? `validation ${stageVerdict === 'inconclusive' ? 'without a verdict' : 'failed'}: ${stageValidation!.detail}` : `rollback failed: ${stageRestore.detail}`;
  if (state.claim.mode === 'manual') return { action: 'complete', outcome: 'rollback_failed', level: 'manual', reason: `manual ${stageFailure}` };
  // A refusal only a person may get past is theirs to decide: widening would meet it again everywhere.
  if (!isStageRestored && needsPerson(stageRestore.facts.environments)) {
    return { action: 'complete', outcome: 'rollback_failed', level: stageLevel, reason: `stage rollback stopped for a person to decide: ${stageRestore.detail}` };
  }
  if (!fullScope) return { action: 'plan-full-scope' };
  if (!fullRestore) return { action: 'restore', level: 'full' };
  // Joined environments counted on the run's record (their facts on their own) count too.
  const isFullRestored = isRestored(fullRestore.facts.environments) && !fullRestore.facts.joined?.verdicts.failed;
  if (isFullRestored && !fullValidation) return { action: 'validate', level: 'full' };
  // Environments running the bad version that stayed out (observing, paused, held by another run…) are part of the answer.
  const shared = fullScope.facts.sharedFrom;
  const left = shared ? `; every other environment running the bad version: left to run ${shared.runId}'s full-scope decision (${shared.deploymentId})` : describeLeft(fullScope.facts.left, fullScope.facts.leftCount);
  const fullVerdict = fullValidation ? verdictOf(fullValidation) : undefined;
  if (isFullRestored && fullVerdict === 'recovered') {
    return { action: 'complete', outcome: 'rolled_back', level: 'full', reason: `stage ${stageFailure}; full rollback validated: ${fullValidation!.detail}${left}` };
  }
  if (isFullRestored && fullVerdict === 'inconclusive') {
    return { action: 'complete', outcome: 'unverified', level: 'full', reason: `stage ${stageFailure}; full rollback unverified: ${fullValidation!.detail}${left}` };
  }
  const fullFailure = isFullRestored ? `validation failed: ${fullValidation!.detail}` : `rollback failed: ${fullRestore.detail}`;
  return { action: 'complete', outcome: 'rollback_failed', level: 'full', reason: `stage ${stageFailure}; full ${fullFailure}${left}` };
}

/** "; left out: a (why), b (why) and 990 more" — the environments a full rollback could not take, bounded. Pure. */
export function describeLeft(left: readonly { environment: string; why: string }[], count = left.length): string {
  if (count === 0) return '';
  const named = left.slice(0, NAMED_LEFT).map((entry) => `${entry.environment} (${entry.why})`);
  return `; left out: ${named.join(', ')}${count > named.length ? ` and ${count - named.length} more` : ''}`;
}
