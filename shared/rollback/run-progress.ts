import type { RollbackLevel, TimelineStep } from '../history/deployment-record';

/** Timeline step names the run journals; a resumed run reads its progress back from them. */
export const RUN_STEPS = {
  claim: 'claim',
  resume: 'resume',
  stageRollback: 'stage-rollback',
  stageValidation: 'stage-validation',
  fullRollback: 'full-rollback',
  fullValidation: 'full-validation',
  complete: 'complete',
  notify: 'notify',
} as const;

type Verdict = { passed: boolean; detail: string };

export interface RunProgress {
  stageRollback?: Verdict;
  stageValidation?: Verdict;
  fullRollback?: Verdict;
  fullValidation?: Verdict;
  isComplete: boolean;
  isNotified: boolean;
}

export type RunMode = 'automatic' | 'manual' | 'drill';

export type NextAction =
  | { action: 'stage-rollback' }
  | { action: 'validate'; level: 'stage' | 'full' }
  | { action: 'full-rollback' }
  | { action: 'complete'; outcome: 'rolled_back' | 'rollback_failed'; level: RollbackLevel; reason: string };

/** Reads what a run already did from its journal (the latest entry of each step wins). Pure. */
export function progressFromTimeline(timeline: readonly TimelineStep[]): RunProgress {
  const latest = (step: string): Verdict | undefined => {
    const entry = timeline.findLast((candidate) => candidate.step === step && candidate.outcome !== 'info');
    return entry && { passed: entry.outcome === 'ok', detail: entry.detail ?? '' };
  };
  return {
    stageRollback: latest(RUN_STEPS.stageRollback),
    stageValidation: latest(RUN_STEPS.stageValidation),
    fullRollback: latest(RUN_STEPS.fullRollback),
    fullValidation: latest(RUN_STEPS.fullValidation),
    isComplete: timeline.some((entry) => entry.step === RUN_STEPS.complete),
    isNotified: timeline.some((entry) => entry.step === RUN_STEPS.notify && entry.outcome === 'ok'),
  };
}

/**
 * The state machine: stage rollback → validate → (not valid) full rollback → validate → complete.
 * A manual request rolls back exactly what was asked: it never widens to a full rollback. Pure.
 */
export function nextAction(progress: RunProgress, mode: RunMode): NextAction {
  const stageLevel: RollbackLevel = mode === 'manual' ? 'manual' : 'stage';
  const { stageRollback, stageValidation, fullRollback, fullValidation } = progress;
  if (!stageRollback) return { action: 'stage-rollback' };
  if (stageRollback.passed && !stageValidation) return { action: 'validate', level: 'stage' };
  if (stageRollback.passed && stageValidation?.passed) {
    return { action: 'complete', outcome: 'rolled_back', level: stageLevel, reason: `${stageLevel} rollback validated: ${stageValidation.detail}` };
  }
  const stageFailure = stageRollback.passed ? `validation failed: ${stageValidation!.detail}` : `rollback failed: ${stageRollback.detail}`;
  if (mode === 'manual') return { action: 'complete', outcome: 'rollback_failed', level: 'manual', reason: `manual ${stageFailure}` };
  if (!fullRollback) return { action: 'full-rollback' };
  if (fullRollback.passed && !fullValidation) return { action: 'validate', level: 'full' };
  if (fullRollback.passed && fullValidation?.passed) {
    return { action: 'complete', outcome: 'rolled_back', level: 'full', reason: `stage ${stageFailure}; full rollback validated: ${fullValidation.detail}` };
  }
  const fullFailure = fullRollback.passed ? `validation failed: ${fullValidation!.detail}` : `rollback failed: ${fullRollback.detail}`;
  return { action: 'complete', outcome: 'rollback_failed', level: 'full', reason: `stage ${stageFailure}; full ${fullFailure}` };
}
