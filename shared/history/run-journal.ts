// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

/**
 * The run journal: every decision a rollback run takes, typed, on the record it claimed, written
 * before the run acts on it. A resumed run (a retry, the reconciler) reads it back and knows
 * everything the first one knew; the next action is a pure function of it.
 */

const isoTimestamp = z.iso.datetime({ offset: false });

export const ROLLBACK_LEVELS = ['stage', 'full', 'manual'] as const;
export type RollbackLevel = (typeof ROLLBACK_LEVELS)[number];

/** automatic: an alarm; manual: a person asked; drill: every read for real, every write simulated. */
export const RUN_MODES = ['automatic', 'manual', 'drill'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export const STEP_OUTCOMES = ['ok', 'warning', 'failed', 'info'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

export const RESTORE_OUTCOMES = ['restored', 'would_restore', 'unchanged', 'not_applicable', 'failed'] as const;
export type RestoreOutcome = (typeof RESTORE_OUTCOMES)[number];

/**
 * What the validator must observe for one target to count as restored. Each target defines its own
 * fields (see shared/targets); the journal keeps them as the target wrote them.
 */
export const expectationSchema = z.looseObject({ target: z.string().min(1) });
export type Expectation = z.infer<typeof expectationSchema>;

/** What one target did in one environment: enough for a resumed run to validate it. */
export const targetRestoreSchema = z.object({
  target: z.string(),
  outcome: z.enum(RESTORE_OUTCOMES),
  detail: z.string(),
  /** Targets that move live traffic go first; a later target's refusal after them is only a warning. */
  movesTraffic: z.boolean(),
  expectations: z.array(expectationSchema).default([]),
  /** A refusal only a person may get past: the run escalates instead of widening. */
  needsPerson: z.boolean().optional(),
});
export type TargetRestore = z.output<typeof targetRestoreSchema>;

export const ENVIRONMENT_RESTORE_VERDICTS = ['restored', 'restored_with_warnings', 'failed', 'already_restored'] as const;
export type EnvironmentRestoreVerdict = (typeof ENVIRONMENT_RESTORE_VERDICTS)[number];

export const environmentRestoreSchema = z.object({
  environment: z.string(),
  fromDeploymentId: z.string(),
  toDeploymentId: z.string(),
  toVersion: z.string(),
  verdict: z.enum(ENVIRONMENT_RESTORE_VERDICTS),
  targets: z.array(targetRestoreSchema),
  /**
   * A full rollback keeps each joined environment's target facts on that environment's own record
   * (this id) and only this summary on the run's: its item stays small at 200 environments.
   */
  factsOn: z.string().optional(),
});
export type EnvironmentRestore = z.output<typeof environmentRestoreSchema>;

export const HANDOVER_CAUSES = ['validator_unavailable', 'out_of_time', 'interrupted'] as const;
export type HandoverCause = (typeof HANDOVER_CAUSES)[number];

export const NOTIFICATION_DELIVERIES = ['published', 'fallback', 'failed'] as const;
export type NotificationDelivery = (typeof NOTIFICATION_DELIVERIES)[number];

const stepBase = {
  at: isoTimestamp,
  /** Several runs may journal on one record (a person after automation failed): each step names its run. */
  runId: z.string(),
  outcome: z.enum(STEP_OUTCOMES),
  durationMs: z.number().int().nonnegative(),
  /** One line a person reads (CLI, notification); the facts below are what the code reads. */
  detail: z.string(),
};

export const claimFactsSchema = z.object({
  invocationId: z.string(),
  mode: z.enum(RUN_MODES),
  environment: z.string(),
  fromDeploymentId: z.string(),
  fromVersion: z.string(),
  toDeploymentId: z.string(),
  toVersion: z.string(),
  reason: z.string(),
  alarmName: z.string().optional(),
  alarmFiredAt: isoTimestamp.optional(),
  requestedBy: z.string().optional(),
  /** The IAM identity verified for the request (through the request URL). */
  verifiedBy: z.string().optional(),
  /** What started an automatic run, when not an alarm. */
  triggerType: z.enum(['alarm', 'deploy_failure']).optional(),
  /** This rollback reaches the hourly limit: it is announced critical (why, in words), the next alarm will not be acted on. */
  limitNotice: z.string().optional(),
  /** A person chose to roll back past deployments recorded irreversible: the full rollback may too. */
  force: z.boolean().optional(),
});
export type ClaimFacts = z.output<typeof claimFactsSchema>;

/**
 * Lists of environments a run's own record keeps name at most this many: past it they are counted
 * (each environment's record holds its own part), so the record stays bounded at 1,000 environments.
 */
export const MAX_LISTED_ENVIRONMENTS = 25;

/** "a, b, c" or "a, b, … and 990 more": a person reads it; the journal stays bounded. Pure. */
export function listedNames(names: readonly string[], max = MAX_LISTED_ENVIRONMENTS): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export const fullScopeFactsSchema = z.object({
  /** Environments the full rollback covers, in promotion order; the origin environment is always first in spirit, listed in order. */
  entries: z.array(z.object({ environment: z.string(), fromDeploymentId: z.string(), toDeploymentId: z.string(), toVersion: z.string() })),
  /** Environments running the bad version that could not join, and why (at most MAX_LISTED_ENVIRONMENTS). */
  left: z.array(z.object({ environment: z.string(), why: z.string() })),
  /** How many could not join, when more than `left` names (older journals: `left` is all of them). */
  leftCount: z.number().int().nonnegative().optional(),
  /**
   * Another run took the full-scope decision for this bad version moments before (a correlated
   * storm): this run kept to its own environment and left every other one to that decision.
   */
  sharedFrom: z.object({ runId: z.string(), deploymentId: z.string(), since: isoTimestamp }).optional(),
});
export type FullScopeFacts = z.output<typeof fullScopeFactsSchema>;

export const completionFactsSchema = z.object({
  /** unverified: the restore stays, but no evidence showed it recovered (the record says rolled_back, verdict unverified). */
  outcome: z.enum(['rolled_back', 'rollback_failed', 'unverified']),
  level: z.enum(ROLLBACK_LEVELS),
  reason: z.string(),
  /** The records this run completed: the journal's own first and, for a full rollback, the others it claimed (at most MAX_LISTED_ENVIRONMENTS named). */
  deploymentIds: z.array(z.string()),
  /** How many it completed, when more than `deploymentIds` names. */
  completedCount: z.number().int().nonnegative().optional(),
});
export type CompletionFacts = z.output<typeof completionFactsSchema>;

const claimStep = z.object({ ...stepBase, step: z.literal('claim'), facts: claimFactsSchema });
const resumeStep = z.object({ ...stepBase, step: z.literal('resume'), facts: z.object({ invocationId: z.string(), attempt: z.number().int().min(2) }) });
/**
 * A full rollback's joined environments, counted by verdict: each one's facts are on its own record
 * (the full-scope entries say which), so the run's record does not grow with them.
 */
const joinedRestoresSchema = z.object({
  count: z.number().int().nonnegative(),
  verdicts: z.partialRecord(z.enum(ENVIRONMENT_RESTORE_VERDICTS), z.number().int().nonnegative()),
});
export type JoinedRestores = z.output<typeof joinedRestoresSchema>;
/** `environments`: what the run's own record holds in full (the origin; in a drill, every one). Older journals: a summary of each joined one, `factsOn` set. */
const restoreFacts = z.object({ environments: z.array(environmentRestoreSchema), joined: joinedRestoresSchema.optional() });
const stageRollbackStep = z.object({ ...stepBase, step: z.literal('stage-rollback'), facts: restoreFacts });
const fullRollbackStep = z.object({ ...stepBase, step: z.literal('full-rollback'), facts: restoreFacts });
const fullScopeStep = z.object({ ...stepBase, step: z.literal('full-scope'), facts: fullScopeFactsSchema });
/** One piece of evidence a verdict rested on, as journaled (bounded: the detail is cut, at most MAX_JOURNALED_EVIDENCE per step). */
const journaledEvidence = z.object({
  environment: z.string(),
  check: z.string(),
  verdict: z.enum(['recovered', 'not_recovered', 'inconclusive']),
  detail: z.string(),
  datapoints: z.number().int().nonnegative().optional(),
  basis: z.string().optional(),
});
export type JournaledEvidence = z.output<typeof journaledEvidence>;
/** Evidence kept per validation step, and the longest detail kept of each: the journal must fit its item. */
export const MAX_JOURNALED_EVIDENCE = 12;
export const MAX_EVIDENCE_DETAIL = 300;

const validationFacts = z.object({
  passed: z.boolean(),
  rounds: z.number().int().nonnegative(),
  /** Why the verdict came when it did: enough evidence, the budget, or hard evidence of what did not recover. */
  concludedBy: z.string().optional(),
  /** recovered, not_recovered, inconclusive (older journals: `passed` alone). */
  verdict: z.enum(['recovered', 'not_recovered', 'inconclusive']).optional(),
  /** The check that decided it, or what was missing, and when its evidence became hard. */
  decidedBy: z.object({ environment: z.string(), check: z.string(), detail: z.string(), at: z.string().optional() }).optional(),
  evidence: z.array(journaledEvidence).optional(),
});
const stageValidationStep = z.object({ ...stepBase, step: z.literal('stage-validation'), facts: validationFacts });
const fullValidationStep = z.object({ ...stepBase, step: z.literal('full-validation'), facts: validationFacts });
const handoverStep = z.object({
  ...stepBase,
  step: z.literal('handover'),
  facts: z.object({ cause: z.enum(HANDOVER_CAUSES), resumeAfter: isoTimestamp }),
});
const completeStep = z.object({ ...stepBase, step: z.literal('complete'), facts: completionFactsSchema });
const notifyStep = z.object({
  ...stepBase,
  step: z.literal('notify'),
  facts: z.object({ type: z.string(), severity: z.string(), delivery: z.enum(NOTIFICATION_DELIVERIES) }),
});

export const journalStepSchema = z.discriminatedUnion('step', [
  claimStep,
  resumeStep,
  stageRollbackStep,
  fullRollbackStep,
  fullScopeStep,
  stageValidationStep,
  fullValidationStep,
  handoverStep,
  completeStep,
  notifyStep,
]);
export type JournalStep = z.output<typeof journalStepSchema>;
export type JournalStepName = JournalStep['step'];
/** One step of a kind, e.g. `StepOf<'claim'>`. */
export type StepOf<Name extends JournalStepName> = Extract<JournalStep, { step: Name }>;

/** The bounded number of steps kept on one record (DynamoDB items are capped at 400 KB). */
export const MAX_TIMELINE_STEPS = 100;
/** When the bound is hit, this many of the oldest steps stay (how it started), the rest are the newest. */
const KEPT_FROM_START = 10;

/**
 * Bounds a timeline to MAX_TIMELINE_STEPS keeping its first steps and its newest ones, dropping the
 * oldest of the middle: a reader always sees how it started and how it ended. A claim step is never
 * dropped: a resumed run is rebuilt from it. Pure.
 */
export function boundTimeline(steps: readonly JournalStep[], alreadyDropped = 0): { timeline: JournalStep[]; dropped: number } {
  let excess = steps.length - MAX_TIMELINE_STEPS;
  if (excess <= 0) return { timeline: [...steps], dropped: alreadyDropped };
  const timeline = steps.filter((step, index) => {
    const isDropped = excess > 0 && index >= KEPT_FROM_START && step.step !== 'claim';
    if (isDropped) excess -= 1;
    return !isDropped;
  });
  return { timeline, dropped: alreadyDropped + steps.length - timeline.length };
}

/** The steps of one run, in order. */
export function stepsOfRun(timeline: readonly JournalStep[], runId: string): JournalStep[] {
  return timeline.filter((step) => step.runId === runId);
}

export type ValidationStep = Extract<JournalStep, { step: 'stage-validation' | 'full-validation' }>;

/** The run's last validation (of `runId`, when given): the verdict a person reads first. Pure. */
export function lastValidationStep(timeline: readonly JournalStep[], runId?: string): ValidationStep | undefined {
  return timeline.findLast((step): step is ValidationStep => (step.step === 'stage-validation' || step.step === 'full-validation') && (runId === undefined || step.runId === runId));
}

/** A validation's verdict, and what it rested on, as readers get it (older journals: `passed` alone). Pure. */
export function verdictSummary(step: ValidationStep): { level: 'stage' | 'full'; verdict: 'recovered' | 'not_recovered' | 'inconclusive'; rounds: number; concludedBy?: string; decidedBy?: ValidationStep['facts']['decidedBy']; evidence: JournaledEvidence[] } {
  const { facts } = step;
  return {
    level: step.step === 'full-validation' ? 'full' : 'stage',
    verdict: facts.verdict ?? (facts.passed ? 'recovered' : 'not_recovered'),
    rounds: facts.rounds,
    ...(facts.concludedBy ? { concludedBy: facts.concludedBy } : {}),
    ...(facts.decidedBy ? { decidedBy: facts.decidedBy } : {}),
    evidence: facts.evidence ?? [],
  };
}

/** "production alarm x: not_recovered, 3 datapoint(s) — …": one piece of evidence as a person reads it. Pure. */
export function describeEvidence(item: JournaledEvidence): string {
  const counted = item.datapoints !== undefined ? `, ${item.datapoints} ${item.basis === 'traffic' ? 'invocation(s)' : 'datapoint(s)'}` : '';
  return `${item.environment} ${item.check}: ${item.verdict}${counted} — ${item.detail}`;
}
