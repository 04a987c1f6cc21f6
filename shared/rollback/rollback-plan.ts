import type { RollbackPolicy } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { RollbackPair } from '../history/rollback-selection';
import type { NotificationSeverity } from '../notify/notifier';

const HOUR_MS = 3_600_000;

export type SkipReason = 'no_active_deployment' | 'no_known_good' | 'needs_human' | 'cooldown' | 'rate_limited';

export type RollbackPlan =
  | { decision: 'proceed'; deployment: DeploymentRecord; target: DeploymentRecord }
  | { decision: 'duplicate'; reason: string; deploymentId: string }
  /** This very run (a retry of the same event or request) already rolled back that deployment. */
  | { decision: 'finished_by_this_run'; deployment: DeploymentRecord }
  | { decision: 'skip'; skip: SkipReason; reason: string; severity: NotificationSeverity; deploymentId?: string; until?: string }
  | { decision: 'reject'; reason: string };

export interface PlanInput {
  environment: string;
  pair: RollbackPair;
  /** Rollbacks in this environment since `guardWindowStart`, newest first. */
  recentRollbacks: readonly DeploymentRecord[];
  /** This run (the event or request id): a retry must not roll back a second deployment. */
  runId: string;
  policy: RollbackPolicy;
  now: Date;
  /** Alarms are guarded by cooldown and the hourly limit; people and drills asking by hand are not blocked by them. */
  isAutomatic: boolean;
  /** When the alarm went into ALARM: an alarm older than the last rollback is already answered by it. */
  alarmFiredAt?: string;
  targetVersion?: string;
}

/** EventBridge retries a delivery for up to a day: anything it could redeliver is this recent. */
const REDELIVERY_WINDOW_MS = 24 * HOUR_MS;

/**
 * How far back the guards read rollbacks: the cooldown and the hourly limit, and also every rollback
 * an old alarm or a retried request might already have caused (since it fired, or the last day).
 */
export function guardWindowStart(policy: RollbackPolicy, now: Date, alarmFiredAt?: string): Date {
  const earliest = Math.min(now.getTime() - Math.max(REDELIVERY_WINDOW_MS, policy.cooldownMinutes * 60_000), alarmFiredAt ? Date.parse(alarmFiredAt) : Infinity);
  return new Date(earliest);
}

/**
 * Primary course: the active deployment and its last known good are found; the guards (automatic
 * runs only) find no recent rollback in cooldown and fewer than the hourly limit; proceed to claim.
 * Everything else is an answer as data, never an exception. Pure.
 */
export function planRollback(input: PlanInput): RollbackPlan {
  const { pair, environment, policy, now } = input;
  const active = pair.activeDeployment;
  // A retry of a run that already finished answers with that run's outcome, whatever is live now.
  const finishedByThisRun = [active, ...input.recentRollbacks].find(
    (record) => record?.rollback?.runId === input.runId && (record.status === 'rolled_back' || record.status === 'rollback_failed'),
  );
  if (finishedByThisRun) return { decision: 'finished_by_this_run', deployment: finishedByThisRun };
  if (!active) {
    return { decision: 'skip', skip: 'no_active_deployment', severity: 'warning', reason: `no active deployment recorded for ${environment}: nothing to roll back` };
  }
  if (active.status === 'rollback_failed') {
    return {
      decision: 'skip',
      skip: 'needs_human',
      severity: 'critical',
      deploymentId: active.deploymentId,
      reason: `a rollback of ${active.deploymentId} (${active.version}) already failed; automation will not retry it — a person must act`,
    };
  }
  let target = pair.lastKnownGood;
  if (input.targetVersion !== undefined) {
    if (input.targetVersion === active.version) return { decision: 'reject', reason: `${environment} is already running version ${active.version}` };
    if (!pair.requestedTarget) {
      return {
        decision: 'reject',
        reason: `version ${input.targetVersion} is not a succeeded deployment in ${environment}'s history before the active one (${active.version})`,
      };
    }
    target = pair.requestedTarget;
  }
  if (!target) {
    return {
      decision: 'skip',
      skip: 'no_known_good',
      severity: 'critical',
      deploymentId: active.deploymentId,
      reason: `no known-good deployment before ${active.deploymentId} (${active.version}) in ${environment}: cannot roll back`,
    };
  }
  // Another run holds a live claim: answer from the read, without spending a conditional write.
  const holder = active.status === 'rolling_back' ? active.rollback : undefined;
  if (holder && holder.runId !== input.runId && holder.leaseExpiresAt !== undefined && holder.leaseExpiresAt > now.toISOString()) {
    return { decision: 'duplicate', deploymentId: active.deploymentId, reason: `run ${holder.runId} is already rolling back ${active.deploymentId}` };
  }
  if (input.isAutomatic) {
    const blocked = applyGuards(input, active);
    if (blocked) return blocked;
  }
  return { decision: 'proceed', deployment: active, target };
}

function applyGuards(input: PlanInput, active: DeploymentRecord): RollbackPlan | undefined {
  const { policy, now, environment } = input;
  // The active deployment's own claim (a retry resuming) is not "another" rollback.
  const others = input.recentRollbacks.filter((record) => record.deploymentId !== active.deploymentId && record.rollbackStartedAt);
  const latest = others[0];
  if (latest && input.alarmFiredAt && latest.rollbackStartedAt! >= input.alarmFiredAt) {
    return {
      decision: 'duplicate',
      deploymentId: latest.deploymentId,
      reason: `the alarm fired before the rollback of ${latest.deploymentId} started at ${latest.rollbackStartedAt}: already answered`,
    };
  }
  if (latest) {
    const quietFrom = Date.parse(latest.rollback?.finishedAt ?? latest.rollbackStartedAt!);
    const until = new Date(quietFrom + policy.cooldownMinutes * 60_000);
    if (until > now) {
      return {
        decision: 'skip',
        skip: 'cooldown',
        severity: 'warning',
        deploymentId: active.deploymentId,
        until: until.toISOString(),
        reason: `${environment} is in its ${policy.cooldownMinutes}-minute cooldown after rolling back ${latest.deploymentId}, until ${until.toISOString()}`,
      };
    }
  }
  const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
  const automaticLastHour = others.filter((record) => record.rollback?.trigger.type === 'alarm' && record.rollbackStartedAt! >= hourAgo).length;
  if (automaticLastHour >= policy.maxRollbacksPerHour) {
    return {
      decision: 'skip',
      skip: 'rate_limited',
      severity: 'critical',
      deploymentId: active.deploymentId,
      reason: `${environment} had ${automaticLastHour} automatic rollbacks in the last hour (limit ${policy.maxRollbacksPerHour}): automation stopped, a person must decide`,
    };
  }
  return undefined;
}
