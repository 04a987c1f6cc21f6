import type { EnvironmentConfig } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { RollbackPair } from '../history/rollback-selection';
import type { Automation } from './automation-mode';

export interface FullScopeCandidate {
  environment: string;
  from: DeploymentRecord;
  to: DeploymentRecord;
  /** Another environment's deployment the run must claim before it may touch it. */
  needsClaim: boolean;
}

export interface FullScopeDecision {
  /** In promotion order, the origin environment among them. */
  candidates: FullScopeCandidate[];
  left: { environment: string; why: string }[];
}

export interface FullScopeInput {
  /** Every configured environment, in promotion order. */
  environments: readonly EnvironmentConfig[];
  origin: { environment: string; from: DeploymentRecord; to: DeploymentRecord };
  /** Each other environment's active deployment and last known good (one Query each). */
  pairs: ReadonlyMap<string, RollbackPair>;
  /** What automation may do in each other environment now (its mode, or a person's pause): a full rollback respects it. */
  automation?: ReadonlyMap<string, Automation>;
  runId: string;
  /** A person forced the run past irreversible deployments; otherwise an environment that would cross one stays out. */
  force?: boolean;
}

/**
 * Who joins a full rollback: every environment whose active deployment runs the bad version and has
 * a known good to go back to, unless another run is already on it, or automation there is paused or
 * only observes (it says what it would have done). An environment this run already claimed (an
 * earlier attempt got that far) joins without a new claim. Pure.
 */
export function decideFullScope(input: FullScopeInput): FullScopeDecision {
  const badVersion = input.origin.from.version;
  const decision: FullScopeDecision = { candidates: [], left: [] };
  for (const { name } of input.environments) {
    if (name === input.origin.environment) {
      decision.candidates.push({ environment: name, from: input.origin.from, to: input.origin.to, needsClaim: false });
      continue;
    }
    const { activeDeployment: active, lastKnownGood, irreversibleSinceKnownGood: irreversible } = input.pairs.get(name) ?? {};
    if (active?.version !== badVersion) continue;
    const rollback = active.rollback;
    const automation = input.automation?.get(name);
    if (rollback?.runId === input.runId) {
      // Already claimed by this run (an earlier attempt): it joins whatever holds automation back now.
    } else if (automation?.mode === 'paused') {
      decision.left.push({ environment: name, why: `automation is paused there: ${automation.reason}` });
      continue;
    } else if (automation?.mode === 'observe') {
      const would = lastKnownGood ? `would roll back ${active.deploymentId} (${badVersion}) to ${lastKnownGood.deploymentId} (${lastKnownGood.version})` : `runs ${badVersion}, with no known good to restore`;
      decision.left.push({ environment: name, why: `observe mode: ${would}; nothing changed there` });
      continue;
    }
    if (!lastKnownGood) {
      decision.left.push({ environment: name, why: `runs ${badVersion} but has no known-good deployment to restore` });
    } else if (irreversible && !input.force && rollback?.runId !== input.runId) {
      decision.left.push({ environment: name, why: `restoring ${lastKnownGood.version} would go back past ${irreversible.deploymentId}, recorded irreversible (${irreversible.irreversible}); a person decides` });
    } else if (rollback?.runId === input.runId) {
      decision.candidates.push({ environment: name, from: active, to: lastKnownGood, needsClaim: false });
    } else if (rollback?.leaseExpiresAt !== undefined) {
      decision.left.push({ environment: name, why: `${active.deploymentId} is being rolled back by run ${rollback.runId}` });
    } else if (active.status === 'rollback_failed') {
      decision.left.push({ environment: name, why: `the rollback of ${active.deploymentId} already failed; a person must act there` });
    } else {
      decision.candidates.push({ environment: name, from: active, to: lastKnownGood, needsClaim: true });
    }
  }
  return decision;
}
