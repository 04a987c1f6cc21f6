import type { LiveChange } from '../history/live-state';
import type { EnvironmentRestore, EnvironmentRestoreVerdict, JoinedRestores, RollbackLevel, StepOutcome, TargetRestore } from '../history/run-journal';

/**
 * How one environment's restore went, from its targets' results. Traffic targets decide: if they all
 * took effect, a later target's refusal (CodePipeline declining RollbackStage after the alias already
 * moved traffic back) is a warning and the run goes on to validate. With no traffic target, every
 * applicable target must take effect. Nothing applicable is a failure: nothing was restored. A
 * refusal only a person may get past (a change set replacing a database) fails it whatever moved. Pure.
 */
export function judgeEnvironmentRestore(results: readonly TargetRestore[]): EnvironmentRestoreVerdict {
  const applicable = results.filter((result) => result.outcome !== 'not_applicable');
  if (applicable.length === 0) return 'failed';
  if (applicable.some(isRefusedForPerson)) return 'failed';
  const traffic = applicable.filter((result) => result.movesTraffic);
  const failedOthers = applicable.filter((result) => !result.movesTraffic && result.outcome === 'failed');
  if (traffic.some((result) => result.outcome === 'failed')) return 'failed';
  if (failedOthers.length === 0) return 'restored';
  return traffic.length > 0 ? 'restored_with_warnings' : 'failed';
}

/** A target's refusal only a person may get past (a change set replacing a table, a required hook saying no). Pure. */
export function isRefusedForPerson(target: TargetRestore): boolean {
  return target.needsPerson === true && target.outcome === 'failed';
}

/** The journal step's outcome for a set of environment restores. Pure. */
export function restoreStepOutcome(environments: readonly EnvironmentRestore[]): StepOutcome {
  if (environments.some((environment) => environment.verdict === 'failed')) return 'failed';
  return environments.some((environment) => environment.verdict === 'restored_with_warnings') ? 'warning' : 'ok';
}

/** "production: alias live: api 42->41, …; stopped exec-140; release/Deploy rolling back … | staging: …" — what a person reads. Pure. */
export function describeRestores(environments: readonly EnvironmentRestore[]): string {
  return environments
    .map((environment) => {
      if (environment.verdict === 'already_restored') return `${environment.environment}: already restored at stage level`;
      const applicable = environment.targets.filter((target) => target.outcome !== 'not_applicable');
      if (applicable.length === 0) return `${environment.environment}: nothing to restore: ${environment.toDeploymentId} records nothing the configured targets can restore`;
      // Each target's detail names what it moved (the alias, the stage, the release); a configured
      // target left alone is said too (added to the config after the known good was recorded, say).
      return `${environment.environment}: ${environment.targets.map((target) => (target.outcome === 'not_applicable' ? `not restored: ${target.detail}` : target.detail)).join('; ')}`;
    })
    .join(' | ');
}

/** Joined environments' restores, counted by verdict, for the run's own record. Pure. */
export function countJoined(environments: readonly EnvironmentRestore[]): JoinedRestores {
  const verdicts: JoinedRestores['verdicts'] = {};
  for (const { verdict } of environments) verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
  return { count: environments.length, verdicts };
}

/** Past this many environments a full rollback's step says how many, and names only those that failed or warned. */
const NAMED_RESTORES = 10;

/**
 * A full rollback's step, bounded: every environment's detail while there are few; past that, the
 * counts and the environments that failed or warned (at most 20), each in full on its own record. Pure.
 */
export function summarizeRestores(environments: readonly EnvironmentRestore[]): string {
  if (environments.length <= NAMED_RESTORES) return describeRestores(environments);
  const troubled = environments.filter((environment) => environment.verdict === 'failed' || environment.verdict === 'restored_with_warnings');
  const restored = environments.length - troubled.filter((environment) => environment.verdict === 'failed').length;
  const named = troubled.slice(0, 20).map((environment) => `${environment.environment} (${environment.verdict}, see ${environment.fromDeploymentId})`);
  return `${restored} of ${environments.length} environments restored${named.length > 0 ? `; ${named.join(', ')}${troubled.length > named.length ? ` and ${troubled.length - named.length} more` : ''}` : ''}; each environment's own record holds its targets' detail`;
}

/**
 * What a restore put live, for the environment's head: the known good becomes the live deployment
 * when the restore took (warnings allowed); a restore that failed moved at most some targets, and
 * only those change. A drill or observation never gets here. Pure.
 */
export function liveChangeOfRestore(restore: EnvironmentRestore, run: { since: string; runId: string; level: RollbackLevel }): LiveChange | undefined {
  if (restore.verdict === 'already_restored') return undefined;
  const moved = restore.targets.filter((target) => target.outcome === 'restored' || target.outcome === 'unchanged').map((target) => target.target);
  if (restore.verdict === 'failed' && moved.length === 0) return undefined;
  return {
    deploymentId: restore.toDeploymentId,
    version: restore.toVersion,
    since: run.since,
    cause: 'restored',
    targets: moved,
    movesDeployment: restore.verdict !== 'failed',
    replaced: restore.fromDeploymentId,
    runId: run.runId,
    level: run.level,
  };
}
