import type { RollbackPolicy } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { RollbackEntry } from '../history/environment-head';
import type { RollbackPair } from '../history/rollback-selection';
import type { NotificationSeverity } from '../notify/notifier';
import type { RunMode } from '../history/run-journal';

const HOUR_MS = 3_600_000;

/** Rollbacks nobody asked for by hand: the hourly limit counts these. */
const AUTOMATIC_TRIGGERS: ReadonlySet<string> = new Set(['alarm', 'deploy_failure']);

export type SkipReason = 'no_active_deployment' | 'no_known_good' | 'needs_human' | 'cooldown' | 'rate_limited' | 'paused' | 'not_live' | 'irreversible';

export type RollbackPlan =
  /** Claim the active deployment and restore the target; `limitNotice` when this rollback reaches the hourly limit. */
  | { decision: 'proceed'; deployment: DeploymentRecord; target: DeploymentRecord; limitNotice?: string }
  /** An unfinished run's lease ran out (it crashed or handed over): drive that run on from its journal. */
  | { decision: 'resume'; deployment: DeploymentRecord }
  /** This very run (a retry of the same event or request) already finished: its outcome is the answer. */
  | { decision: 'answer'; deployment: DeploymentRecord }
  | { decision: 'duplicate'; reason: string; deploymentId: string }
  | { decision: 'skip'; skip: SkipReason; reason: string; severity: NotificationSeverity; deploymentId?: string; until?: string }
  | { decision: 'reject'; reason: string };

export interface PlanInput {
  environment: string;
  pair: RollbackPair;
  /** Rollbacks in this environment since `guardWindowStart`, newest first. */
  recentRollbacks: readonly RollbackEntry[];
  /** This run (the event or request id): a retry must not roll back a second deployment. */
  runId: string;
  /** The record this run already claimed, when a retry finds its entry in the ledger and it is no longer the active one. */
  ownRecord?: DeploymentRecord;
  policy: RollbackPolicy;
  now: Date;
  /** Alarms are guarded by cooldown and the hourly limit; people and drills asking by hand are not. */
  mode: RunMode;
  /** When the alarm went into ALARM: an alarm older than the last rollback is already answered by it. */
  alarmFiredAt?: string;
  targetVersion?: string;
  /** Automation is paused here (by a person for a while, or by the configuration): announce, do not act. */
  paused?: { reason: string; until?: string };
  /** A failed deploy asks: only this deployment is rolled back, and only while it is the live one. */
  expectedActive?: string;
  /** A person rolls back past a deployment recorded irreversible, knowingly. */
  force?: boolean;
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
 * Primary course: the active deployment and its last known good are found; the guards (alarms only)
 * find no recent rollback in cooldown and fewer than the hourly limit; proceed to claim. A run that
 * already claimed something is continued or answered instead. Everything is an answer as data. Pure.
 */
export function planRollback(input: PlanInput): RollbackPlan {
  const { pair, environment, now, mode } = input;
  const active = pair.activeDeployment;
  // A retry of this run goes back to what it claimed, whatever is live now.
  const ownRecord = [active, input.ownRecord].find((record) => record?.rollback?.runId === input.runId && record.rollback.partOf === undefined);
  const own = ownRecord && mode !== 'drill' ? planForRunOn(ownRecord, input.runId, now) : undefined;
  if (own) return own;
  if (input.expectedActive !== undefined && active?.deploymentId !== input.expectedActive) {
    return {
      decision: 'skip',
      skip: 'not_live',
      severity: 'info',
      deploymentId: input.expectedActive,
      reason: `deployment ${input.expectedActive} is not the live one in ${environment} (its failure moved no traffic, or a newer deployment replaced it): nothing to roll back`,
    };
  }
  if (!active) {
    return { decision: 'skip', skip: 'no_active_deployment', severity: 'warning', reason: `no active deployment recorded for ${environment}: nothing to roll back` };
  }
  // Another run is on it. A drill only reads, so it goes on regardless.
  const running = mode !== 'drill' && active.rollback?.leaseExpiresAt !== undefined ? planForRunOn(active, input.runId, now) : undefined;
  if (running) return running;
  if (input.paused && mode === 'automatic') {
    return { decision: 'skip', skip: 'paused', severity: 'warning', deploymentId: active.deploymentId, reason: input.paused.reason, ...(input.paused.until ? { until: input.paused.until } : {}) };
  }
  if (active.status === 'rollback_failed' && mode === 'automatic') {
    return {
      decision: 'skip',
      skip: 'needs_human',
      severity: 'critical',
      deploymentId: active.deploymentId,
      reason: `a rollback of ${active.deploymentId} (${active.version}) already failed; automation will not retry it — a person must act (rollbackctl rollback)`,
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
  const crossed = target === pair.requestedTarget ? pair.irreversibleSinceRequested : pair.irreversibleSinceKnownGood;
  if (crossed && !(mode === 'manual' && input.force)) {
    const what = `rolling ${environment} back to ${target.version} would go back past ${crossed.deploymentId} (${crossed.version}), recorded irreversible: ${crossed.irreversible}`;
    if (mode === 'manual') return { decision: 'reject', reason: `${what}; to do it anyway: rollbackctl rollback --env ${environment} --force` };
    if (mode === 'automatic') {
      return {
        decision: 'skip',
        skip: 'irreversible',
        severity: 'critical',
        deploymentId: active.deploymentId,
        reason: `${what}. Automation will not; a person decides: fix forward, or rollbackctl rollback --env ${environment} --force`,
      };
    }
  }
  if (mode === 'automatic') {
    const guarded = applyGuards(input, active);
    if (guarded.blocked) return guarded.blocked;
    // The last rollback automation may take is escalated as it starts, not after the next alarm is refused.
    if (guarded.automaticLastHour + 1 >= input.policy.maxRollbacksPerHour) {
      const limitNotice = `rollback ${guarded.automaticLastHour + 1} of ${input.policy.maxRollbacksPerHour} allowed per hour in ${environment}: automation stops after this one until a person looks`;
      return { decision: 'proceed', deployment: active, target, limitNotice };
    }
  }
  return { decision: 'proceed', deployment: active, target };
}

/**
 * A record a run holds or held: this run's finished one is answered; a live lease means another
 * invocation drives it (a duplicate); an expired or released lease means it is resumed from its
 * journal; another environment's record in a full rollback is only ever driven through its run.
 * Undefined when no run is on it. Pure.
 */
export function planForRunOn(record: DeploymentRecord, runId: string, now: Date): RollbackPlan | undefined {
  const rollback = record.rollback;
  if (!rollback) return undefined;
  const isOwn = rollback.runId === runId;
  if (rollback.leaseExpiresAt === undefined) return isOwn ? { decision: 'answer', deployment: record } : undefined;
  if (rollback.partOf && !isOwn) {
    return { decision: 'duplicate', deploymentId: record.deploymentId, reason: `${record.deploymentId} is part of the full rollback by run ${rollback.runId} (journaled on ${rollback.partOf})` };
  }
  if (rollback.leaseExpiresAt > now.toISOString()) {
    const by = isOwn ? `invocation ${rollback.holder ?? '?'}` : `run ${rollback.runId}`;
    return { decision: 'duplicate', deploymentId: record.deploymentId, reason: `${by} is already rolling back ${record.deploymentId} (lease until ${rollback.leaseExpiresAt})` };
  }
  return { decision: 'resume', deployment: record };
}

/** The shortest window in which a repeated skip is announced only once. */
const MIN_NOTICE_WINDOW_MS = 5 * 60_000;

/**
 * How long one announcement of a skip covers: until the cooldown or hourly limit it names lifts,
 * else a cooldown's length. The key is per environment, reason and deployment. Pure.
 */
export function skipNoticeFor(plan: Extract<RollbackPlan, { decision: 'skip' }>, environment: string, policy: RollbackPolicy, now: Date): { key: string; until: Date } {
  const window = Math.max(policy.cooldownMinutes * 60_000, MIN_NOTICE_WINDOW_MS);
  const until = plan.until ? new Date(Math.max(Date.parse(plan.until), now.getTime() + 1)) : new Date(now.getTime() + window);
  return { key: `${environment}#${plan.skip}#${plan.deploymentId ?? '-'}`, until };
}

/**
 * The cooldown the newest of these rollbacks (newest first) puts the environment in: quiet until
 * `cooldownMinutes` after it finished (or started, while it runs). Undefined once it lapsed. Pure.
 */
export function cooldownAfter(rollbacksNewestFirst: readonly RollbackEntry[], policy: RollbackPolicy, now: Date): { until: string; deploymentId: string } | undefined {
  const latest = rollbacksNewestFirst[0];
  if (!latest) return undefined;
  const quietFrom = Date.parse(latest.finishedAt ?? latest.startedAt);
  const until = new Date(quietFrom + policy.cooldownMinutes * 60_000);
  return until > now ? { until: until.toISOString(), deploymentId: latest.deploymentId } : undefined;
}

function applyGuards(input: PlanInput, active: DeploymentRecord): { blocked?: RollbackPlan; automaticLastHour: number } {
  const { policy, now, environment } = input;
  // The active deployment's own claim (a retry resuming) is not "another" rollback.
  const others = input.recentRollbacks.filter((entry) => entry.deploymentId !== active.deploymentId);
  const latest = others[0];
  if (latest && input.alarmFiredAt && latest.startedAt >= input.alarmFiredAt) {
    return {
      automaticLastHour: 0,
      blocked: {
        decision: 'duplicate',
        deploymentId: latest.deploymentId,
        reason: `the alarm fired before the rollback of ${latest.deploymentId} started at ${latest.startedAt}: already answered`,
      },
    };
  }
  const cooldown = cooldownAfter(others, policy, now);
  if (cooldown) {
    return {
      automaticLastHour: 0,
      blocked: {
        decision: 'skip',
        skip: 'cooldown',
        severity: 'warning',
        deploymentId: active.deploymentId,
        until: cooldown.until,
        reason: `${environment} is in its ${policy.cooldownMinutes}-minute cooldown after rolling back ${cooldown.deploymentId}, until ${cooldown.until}`,
      },
    };
  }
  const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
  const automaticLastHour = others.filter((entry) => AUTOMATIC_TRIGGERS.has(entry.trigger) && entry.startedAt >= hourAgo);
  if (automaticLastHour.length >= policy.maxRollbacksPerHour) {
    // The limit lifts when the oldest of them is an hour old.
    const oldest = Math.min(...automaticLastHour.map((entry) => Date.parse(entry.startedAt)));
    return {
      automaticLastHour: automaticLastHour.length,
      blocked: {
        decision: 'skip',
        skip: 'rate_limited',
        severity: 'critical',
        deploymentId: active.deploymentId,
        until: new Date(oldest + HOUR_MS).toISOString(),
        reason: `${environment} had ${automaticLastHour.length} automatic rollbacks in the last hour (limit ${policy.maxRollbacksPerHour}): automation stopped, a person must decide`,
      },
    };
  }
  return { automaticLastHour: automaticLastHour.length };
}
