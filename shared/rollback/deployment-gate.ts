import type { EnvironmentConfig, RollbackPolicy } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { EnvironmentControl } from '../history/environment-controls';
import type { RollbackEntry } from '../history/environment-head';
import { automationFor } from './automation-mode';
import { cooldownAfter } from './rollback-plan';

export interface GateInput {
  environment: EnvironmentConfig;
  policy: RollbackPolicy;
  /** The environment's active deployment (the newest whose version may be live). */
  active?: DeploymentRecord;
  /** Its rollbacks since at least a cooldown ago, newest first. */
  recentRollbacks: readonly RollbackEntry[];
  control?: EnvironmentControl;
  now: Date;
}

/** Whether the next deployment may go ahead; every reason it may not. */
export type GateAnswer = { open: true; reason: string } | { open: false; reasons: string[] };

/**
 * The deployment gate CI asks before deploying (CodePipeline's beforeEntry condition, for any CI):
 * closed while the environment is rolling back, in its cooldown, paused, or its last rollback failed —
 * deploying then would stack a new version on an unsettled environment. Pure.
 */
export function judgeGate(input: GateInput): GateAnswer {
  const { environment, active, policy, now } = input;
  const reasons: string[] = [];
  if (active?.status === 'rolling_back') reasons.push(`${environment.name} is rolling back ${active.deploymentId} (${active.version}) now`);
  if (active?.status === 'rollback_failed') {
    reasons.push(`the rollback of ${active.deploymentId} (${active.version}) failed: a person must settle ${environment.name} first (rollbackctl rollback --env ${environment.name}, or fix it by hand)`);
  }
  const cooldown = cooldownAfter(input.recentRollbacks, policy, now);
  if (cooldown) reasons.push(`${environment.name} is in its ${policy.cooldownMinutes}-minute cooldown after rolling back ${cooldown.deploymentId}, until ${cooldown.until}`);
  const automation = automationFor(environment.name, environment.mode, input.control, now);
  if (automation.mode === 'paused') reasons.push(automation.reason);
  if (reasons.length > 0) return { open: false, reasons };
  return { open: true, reason: `${environment.name} is settled: no rollback running or failed, no cooldown, automation ${automation.mode === 'observe' ? 'observing' : 'acting'}` };
}
