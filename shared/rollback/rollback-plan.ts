import type { RollbackPolicy } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { RollbackEntry } from '../history/environment-head';
import type { RollbackPair } from '../history/rollback-selection';
import type { NotificationSeverity } from '../notify/notifier';
import type { RunMode } from '../history/run-journal';

const HOUR_MS = 3_600_000;

/** Rollbacks nobody asked for by hand: the hourly limit counts these. */
const AUTOMATIC_TRIGGERS: ReadonlySet<string> = new Set(['alarm', 'deploy_failure']);

export type SkipReason =
  | 'no_active_deployment'
  | 'no_known_good'
  | 'needs_human'
  | 'cooldown'
  | 'rate_limited'
  | 'paused'
  | 'not_live'
  | 'not_failed'
  | 'irreversible'
  /** The alarm was in ALARM before the live deployment started: not its fault. */
  | 'predates_deployment'
  /** The alarm came longer after the deployment went live than the environment's attribution window. */
  | 'outside_attribution_window'
  /** An alarm rule of the environment says this alarm is announced, never acted on. */
  | 'notify_only';

export type RollbackPlan =
  /** Claim the active deployment and restore the target; `limitNotice` when this rollback reaches the hourly limit. */
  | { decision: 'proceed'; deployment: DeploymentRecord; target: DeploymentRecord; limitNotice?: string }
  /** An unfinished run's lease ran out (it crashed or handed over): drive that run on from its journal. */
  | { decision: 'resume'; deployment: DeploymentRecord }
  /** This very run (a retry of the same event or request) already finished: its outcome is the answer. */
  | { decision: 'answer'; deployment: DeploymentRecord }
  /** `isThisRun`: this very event or request, driven by another invocation now (a copy delivered twice): its outcome comes later. */
  | { decision: 'duplicate'; reason: string; deploymentId: string; isThisRun?: boolean }
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
  /** An alarm's own timing, to judge whether the live deployment caused it (alarms only). */
  attribution?: {
    /** Since when the alarm has been in ALARM (a transition into it, or earlier when it was already there). */
    inAlarmSince?: string;
    /** An alarm later than this after the deployment went live is announced, not acted on. */
    windowMs: number;
  };
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
  // People decide for themselves; a drill answers what automation would do, refusals included.
  const actsForAutomation = mode !== 'manual';
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
    const why = pair.liveMissing ? `the live deployment kept for ${environment} (${pair.liveMissing}) is not in its history` : `no active deployment recorded for ${environment}`;
    return { decision: 'skip', skip: 'no_active_deployment', severity: 'warning', reason: `${why}: nothing to roll back` };
  }
  // Another run is on it. A drill only reads, so it goes on regardless.
  const running = mode !== 'drill' && active.rollback?.leaseExpiresAt !== undefined ? planForRunOn(active, input.runId, now) : undefined;
  if (running) return running;
  if (input.expectedActive !== undefined && active.status !== 'failed') {
    return {
      decision: 'skip',
      skip: 'not_failed',
      severity: 'info',
      deploymentId: active.deploymentId,
      reason: `deployment ${active.deploymentId} (${active.version}) is recorded ${active.status}, not failed: a failed-deploy request rolls back only a deployment recorded failed`,
    };
  }
  if (input.paused && actsForAutomation) {
    return { decision: 'skip', skip: 'paused', severity: 'warning', deploymentId: active.deploymentId, reason: input.paused.reason, ...(input.paused.until ? { until: input.paused.until } : {}) };
  }
  const answered = mode === 'automatic' ? alreadyAnswered(input, active) : undefined;
  if (answered) return answered;
  const unattributed = mode === 'automatic' && input.attribution ? judgeAttribution(input, active, input.attribution) : undefined;
  if (unattributed) return unattributed;
  const unsettled = actsForAutomation ? needsHuman(input, active) : undefined;
  if (unsettled) return unsettled;
  let target = pair.lastKnownGood;
  if (input.targetVersion !== undefined) {
    const requested = requestedTargetOf(input, input.targetVersion, active);
    if ('decision' in requested) return requested;
    target = requested.target;
  }
  if (!target) {
    const passedOver = (pair.notRestorable ?? []).map((record) => `${record.version} (${record.deploymentId}) ${record.why}`);
    return {
      decision: 'skip',
      skip: 'no_known_good',
      severity: 'critical',
      deploymentId: active.deploymentId,
      reason:
        passedOver.length > 0
          ? `no known-good deployment before ${active.deploymentId} (${active.version}) in ${environment} records a restore point for every configured target: ${passedOver.join('; ')}. Record one that does (rollbackctl record … --capture), or a person restores by hand`
          : `no known-good deployment before ${active.deploymentId} (${active.version}) in ${environment}: cannot roll back`,
    };
  }
  const crossed = target === pair.requestedTarget ? pair.irreversibleSinceRequested : target === pair.lastKnownGood ? pair.irreversibleSinceKnownGood : undefined;
  if (crossed && !(mode === 'manual' && input.force)) {
    const what = `rolling ${environment} back to ${target.version} would go back past ${crossed.deploymentId} (${crossed.version}), recorded irreversible: ${crossed.irreversible}`;
    if (mode === 'manual') return { decision: 'reject', reason: `${what}; to do it anyway: rollbackctl rollback --env ${environment} --force` };
    return {
      decision: 'skip',
      skip: 'irreversible',
      severity: 'critical',
      deploymentId: active.deploymentId,
      reason: `${what}. Automation will not; a person decides: fix forward, or rollbackctl rollback --env ${environment} --force`,
    };
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
 * The deployment a person asked for by version: the newest succeeded one of it below the active one
 * that can be restored as a whole — or, with `force`, one that records only some targets. Pure.
 */
function requestedTargetOf(input: PlanInput, version: string, active: DeploymentRecord): { target: DeploymentRecord } | RollbackPlan {
  const { pair, environment } = input;
  if (version === active.version) return { decision: 'reject', reason: `${environment} is already running version ${active.version}` };
  if (pair.requestedTarget) return { target: pair.requestedTarget };
  const incomplete = pair.requestedNotRestorable;
  if (incomplete && input.force) return { target: incomplete.deployment };
  if (incomplete) {
    return {
      decision: 'reject',
      reason: `version ${version} (${incomplete.deployment.deploymentId}) cannot be restored as a whole: it ${incomplete.why}; to put back what it recorded anyway: rollbackctl rollback --env ${environment} --to ${version} --force`,
    };
  }
  return { decision: 'reject', reason: `version ${version} is not a succeeded deployment in ${environment}'s history before the active one (${active.version})` };
}

/**
 * What automation must leave to a person: a deployment whose rollback failed, a live deployment
 * that a failed rollback put back (going further back on its own would stack guesses), and a kept
 * live state naming a deployment that was rolled back (what is live is uncertain). Pure.
 */
function needsHuman(input: PlanInput, active: DeploymentRecord): RollbackPlan | undefined {
  const { environment, pair } = input;
  const skip = (severity: NotificationSeverity, reason: string): RollbackPlan => ({ decision: 'skip', skip: 'needs_human', severity, deploymentId: active.deploymentId, reason });
  if (active.status === 'rollback_failed') {
    return skip('critical', `a rollback of ${active.deploymentId} (${active.version}) already failed; automation will not retry it — a person must act (rollbackctl rollback --env ${environment})`);
  }
  if (active.status === 'rolled_back') {
    return skip('warning', `${environment}'s kept live state names ${active.deploymentId} (${active.version}), which was rolled back: what is live is uncertain — check it (rollbackctl status --env ${environment}) and record what runs there`);
  }
  const over = pair.restoredOver;
  if (pair.activeBy === 'live' && pair.live?.cause === 'restored' && over?.status === 'rollback_failed') {
    return skip(
      'critical',
      `${active.version} (${active.deploymentId}) is live because the rollback of ${over.deploymentId} (${over.version}) put it back, and that rollback failed: automation will not go further back on its own — a person decides (rollbackctl rollback --env ${environment})`,
    );
  }
  return undefined;
}

/** When the live deployment started, and since when it has been live (a restore's moment for a restored one). Pure. */
function deploymentTimes(pair: RollbackPair, active: DeploymentRecord): { started: string; liveSince: string } {
  const live = pair.live;
  if (pair.activeBy === 'live' && live && (live.cause === 'restored' || live.cause === 'pipeline_restore')) return { started: live.since, liveSince: live.since };
  if (pair.activeBy === 'live' && live) return { started: active.startedAt, liveSince: live.since };
  return { started: active.startedAt, liveSince: active.finishedAt ?? active.startedAt };
}

/**
 * Whether the live deployment is to blame for the alarm: not when the alarm was already in ALARM
 * before it started, nor when it fires longer after it went live than the attribution window
 * (peers bound this: AppConfig's bake time, CloudFormation's monitoring time). Either way it is
 * announced with what a person would run, never acted on. Pure.
 */
export function judgeAttribution(input: Pick<PlanInput, 'environment' | 'pair' | 'alarmFiredAt' | 'now'>, active: DeploymentRecord, attribution: NonNullable<PlanInput['attribution']>): RollbackPlan | undefined {
  const { environment } = input;
  const { started, liveSince } = deploymentTimes(input.pair, active);
  const command = `rollbackctl rollback --env ${environment} --reason "<why>"`;
  if (attribution.inAlarmSince !== undefined && attribution.inAlarmSince < started) {
    return {
      decision: 'skip',
      skip: 'predates_deployment',
      severity: 'warning',
      deploymentId: active.deploymentId,
      reason: `the alarm predates the deployment: in ALARM since ${attribution.inAlarmSince}, before ${active.deploymentId} (${active.version}) started at ${started} — not its doing, so nothing is rolled back; if it should be anyway: ${command}`,
    };
  }
  const firedAt = input.alarmFiredAt ?? input.now.toISOString();
  const after = Date.parse(firedAt) - Date.parse(liveSince);
  if (after > attribution.windowMs) {
    return {
      decision: 'skip',
      skip: 'outside_attribution_window',
      severity: 'warning',
      deploymentId: active.deploymentId,
      reason: `the alarm fired ${describeSpan(after)} after ${active.deploymentId} (${active.version}) went live at ${liveSince}, past ${environment}'s attribution window (${describeSpan(attribution.windowMs)}): not blamed on it, nothing rolled back; to roll it back anyway: ${command}`,
    };
  }
  return undefined;
}

/** "26h", "90m", "45s": a span as a person reads it. Pure. */
function describeSpan(milliseconds: number): string {
  if (milliseconds >= 2 * HOUR_MS) return `${Math.floor(milliseconds / HOUR_MS)}h`;
  if (milliseconds >= 120_000) return `${Math.floor(milliseconds / 60_000)}m`;
  return `${Math.floor(milliseconds / 1_000)}s`;
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
    return { decision: 'duplicate', deploymentId: record.deploymentId, reason: `${by} is already rolling back ${record.deploymentId} (lease until ${rollback.leaseExpiresAt})`, ...(isOwn ? { isThisRun: true } : {}) };
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

/** The active deployment's own claim (a retry resuming) is not "another" rollback. */
function otherRollbacks(input: PlanInput, active: DeploymentRecord): RollbackEntry[] {
  return input.recentRollbacks.filter((entry) => entry.deploymentId !== active.deploymentId);
}

/** An alarm that fired before the last rollback started was answered by it (a late or repeated delivery). Pure. */
function alreadyAnswered(input: PlanInput, active: DeploymentRecord): RollbackPlan | undefined {
  const latest = otherRollbacks(input, active)[0];
  if (!latest || !input.alarmFiredAt || latest.startedAt < input.alarmFiredAt) return undefined;
  return {
    decision: 'duplicate',
    deploymentId: latest.deploymentId,
    reason: `the alarm fired before the rollback of ${latest.deploymentId} started at ${latest.startedAt}: already answered`,
  };
}

function applyGuards(input: PlanInput, active: DeploymentRecord): { blocked?: RollbackPlan; automaticLastHour: number } {
  const { policy, now, environment } = input;
  const others = otherRollbacks(input, active);
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
