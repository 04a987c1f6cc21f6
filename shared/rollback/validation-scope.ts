import { findEnvironment, type RollbackConfig, type RollbackPolicy } from '../config';
import { locationOf } from '../targets/target-plugin';
import type { EnvironmentRestore } from '../history/run-journal';
import type { ValidationRequest } from '../validation/validation-contract';
import type { RunState } from './run-state';

/** Time kept back from validation for completing the record and notifying. */
export const COMPLETION_RESERVE_MS = 15_000;

/**
 * The validation budget: the configured timeout, but never more than a fair share of what is left
 * of the Lambda's time, so the run can always record and announce its outcome. Pure.
 */
export function validationBudgetMs(policy: RollbackPolicy, remainingMs: number, validationsLeft: number): number {
  const fairShare = Math.floor((remainingMs - COMPLETION_RESERVE_MS) / validationsLeft);
  return Math.min(policy.validation.timeoutSeconds * 1_000, fairShare);
}

/** The least time in which a validation could possibly pass: its consecutive passing rounds. Pure. */
export function minimumValidationMs(policy: RollbackPolicy): number {
  return policy.validation.consecutivePasses * policy.validation.pollIntervalSeconds * 1_000;
}

/**
 * The environments a level validates, each with the restore that put it back: at full level the
 * origin environment keeps its stage restore when that one already took.
 */
function restoresFor(state: RunState, level: 'stage' | 'full'): EnvironmentRestore[] {
  const stage = state.stageRestore?.facts.environments ?? [];
  if (level === 'stage') return stage;
  return (state.fullRestore?.facts.environments ?? []).map((restore) =>
    restore.verdict === 'already_restored' ? (stage.find((earlier) => earlier.environment === restore.environment) ?? restore) : restore,
  );
}

const TOOK_EFFECT: ReadonlySet<string> = new Set(['restored', 'unchanged']);

/**
 * What the validator must see for a level to count as restored, from the journal alone: each
 * environment's alarms (and the alarm that fired, by name), its health endpoints on the restored
 * version, and what each target that took effect promised, with that target's config. A target
 * that refused promises nothing. Pure.
 */
export function validationRequestFor(input: { config: RollbackConfig; state: RunState; level: 'stage' | 'full'; budgetMs: number }): ValidationRequest {
  const { config, state, level, budgetMs } = input;
  // Alarms are judged from when the restore finished: their recovery windows start there.
  // A full restore that changed nothing (every environment already restored at stage level) keeps the stage restore's time.
  const changedAtFull = state.fullRestore?.facts.environments.some((environment) => environment.verdict !== 'already_restored');
  const restore = level === 'stage' || !changedAtFull ? state.stageRestore : state.fullRestore;
  const restoredAt = restore ? new Date(Date.parse(restore.at) + restore.durationMs).toISOString() : undefined;
  return {
    environments: restoresFor(state, level).map((restore) => {
      const environment = findEnvironment(config, restore.environment);
      const isOrigin = restore.environment === state.claim.environment;
      const promised = restore.targets.filter((target) => TOOK_EFFECT.has(target.outcome) && target.expectations.length > 0);
      return {
        name: environment.name,
        // Its alarms are read where it lives (another account or region: through its role).
        ...locationOf(environment),
        alarmPrefixes: environment.alarms.prefixes,
        alarmNames: isOrigin && state.claim.alarmName ? [state.claim.alarmName] : [],
        notifyOnly: environment.alarms.rules.filter((rule) => rule.action === 'notify').map((rule) => rule.match),
        healthChecks: environment.healthChecks.map((check) => ({
          url: check.url,
          timeoutMs: check.timeoutMs,
          followRedirects: check.followRedirects,
          ...(check.versionField ? { versionField: check.versionField, expectedVersion: restore.toVersion } : {}),
        })),
        targets: environment.targets.filter((target) => promised.some((restored) => restored.target === target.type)),
        expectations: promised.flatMap((target) => target.expectations),
      };
    }),
    budgetMs,
    pollIntervalMs: config.policy.validation.pollIntervalSeconds * 1_000,
    consecutivePasses: config.policy.validation.consecutivePasses,
    failureThreshold: config.policy.validation.failureThreshold,
    errorRate: { minimumIncrease: config.policy.validation.errorRate.minimumIncrease, alpha: config.policy.validation.errorRate.falseAlarmRate, beta: config.policy.validation.errorRate.missRate },
    ...(restoredAt ? { restoredAt } : {}),
    drill: state.claim.mode === 'drill',
  };
}
