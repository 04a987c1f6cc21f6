import { parseInbound } from '../events/inbound-event';
import { locationOf, type TargetLocation } from '../targets/target-plugin';
import { drillBatchRequestSchema, type DrillBatchRequest } from '../events/rollback-request';
import type { VerifiedCaller } from '../events/request-entry';
import type { DeploymentRecord } from '../history/deployment-record';
import type { EnvironmentView } from '../history/deployment-history';
import type { EnvironmentControl } from '../history/environment-controls';
import { ledgerCovers, rollbackEntriesOf, type EnvironmentHead, type RollbackEntry } from '../history/environment-head';
import type { StepOf } from '../history/run-journal';
import type { NotificationSeverity } from '../notify/notifier';
import { notificationFor } from '../notify/rollback-notification';
import { automationFor, type Automation } from './automation-mode';
import { deliverNotification } from './deliver-notification';
import { observeRollback } from './observe-rollback';
import { reconcileRuns } from './reconciler';
import { guardWindowStart, judgeAttribution, planForRunOn, planRollback, skipNoticeFor, type RollbackPlan } from './rollback-plan';
import { notATransition } from './alarm-routing';
import { answerFromRecord, noteClaimOnLedger, resumeRun, RollbackRun } from './rollback-run';
import { resolveRequest, type RollbackRunResult, type RunContext } from './run-context';
import type { AlarmFacts, RollbackDependencies } from './run-dependencies';
import { parseDuration } from '../time/duration';

export type { RollbackDependencies, RunLogger } from './run-dependencies';

/** Drill records are kept a week, then DynamoDB's TTL removes them. */
const DRILL_RETENTION_SECONDS = 7 * 24 * 3_600;

/**
 * Primary course: parse → environment → active + last good (one Query, guards read alongside) →
 * claim → stage rollback → validate → (not valid) full rollback → validate → complete → notify.
 * The reconciler's schedule resumes what was left unfinished. Every answer is data; nothing here
 * throws for a reason a retry could not fix.
 */
export async function runRollback(raw: unknown, invocationId: string, deps: RollbackDependencies, caller?: VerifiedCaller): Promise<RollbackRunResult> {
  // A scheduled batch of drills (only a drill request naming `environments` is parsed as one: alarms pay nothing).
  if (isDrillBatch(raw)) {
    const batch = drillBatchRequestSchema.safeParse(raw);
    if (batch.success) return drillEach(batch.data, invocationId, deps);
  }
  const startedAt = deps.clock.now().getTime();
  const elapsed = () => deps.clock.now().getTime() - startedAt;
  const parsed = parseInbound(raw, { invocationId, now: deps.clock.now() });
  if (!parsed.ok) {
    deps.logger.info(`event ${parsed.outcome}`, { reason: parsed.reason });
    return { outcome: parsed.outcome, reason: parsed.reason, drill: false, timeline: [], durationMs: elapsed() };
  }
  if (parsed.inbound.kind === 'reconcile') return reconcileRuns(invocationId, deps, elapsed);
  const resolved = resolveRequest(parsed.inbound, deps.config, invocationId, caller);
  if (!resolved.ok) {
    deps.logger.info(`event ${resolved.outcome}`, { reason: resolved.reason });
    return { outcome: resolved.outcome, reason: resolved.reason, drill: parsed.inbound.kind === 'drill', timeline: [], durationMs: elapsed() };
  }
  return answerRequest(resolved.context, invocationId, deps, elapsed);
}

async function answerRequest(context: RunContext, invocationId: string, deps: RollbackDependencies, elapsed: () => number): Promise<RollbackRunResult> {
  const { config, history, clock, logger } = deps;
  const environment = context.environment.name;
  const now = clock.now();
  const isAutomatic = context.mode === 'automatic';
  // One Query reads the pair and the environment's head (pause, rollback ledger); the alarm's own state alongside it.
  const [view, alarm] = await Promise.all([
    history.deployments.readEnvironment(context.environment, { targetVersion: context.targetVersion }),
    isAutomatic && context.alarmName ? readAlarm(deps, context.alarmName, context.environment) : Promise.resolve(undefined),
  ]);
  const { pair } = view;
  for (const problem of view.head?.problems ?? []) logger.warn('environment head partly unreadable', { environment, problem });
  if (alarm?.actionsEnabled === false) {
    const reason = `alarm ${context.alarmName} has its actions disabled (ActionsEnabled false): not acting on it`;
    logger.info('event ignored', { reason });
    return { outcome: 'ignored', reason, environment, drill: false, timeline: [], durationMs: elapsed() };
  }
  if (context.alarmStillInAlarm) return answerStillInAlarm(context, view, alarm, deps, elapsed);
  if (context.notifyOnly && context.mode === 'automatic') {
    const active = pair.activeDeployment;
    const running = active ? `${environment} runs ${active.version} (${active.deploymentId})` : `${environment} has no live deployment recorded`;
    const reason = `alarm ${context.alarmName} is announced, never rolled back (alarm rule "${context.notifyOnly}": notify); ${running}. To roll back by hand: rollbackctl rollback --env ${environment} --reason "…"`;
    return announceSkip({ decision: 'skip', skip: 'notify_only', severity: 'warning', reason, ...(active ? { deploymentId: active.deploymentId } : {}) }, context, active, deps, elapsed);
  }
  const { recentRollbacks, control, ownRecord } = await guardsFor(context, view, now, deps);
  // People acting by hand are never held back by the mode; alarms, failed deploys — and drills, which tell what automation would do — are.
  const automation: Automation = context.mode !== 'manual' ? automationFor(environment, context.environment.mode, control, now) : { mode: 'act' };
  const inAlarmSince = earliestInAlarm(context, alarm);
  const plan = planRollback({
    environment,
    pair,
    recentRollbacks,
    ...(ownRecord ? { ownRecord } : {}),
    runId: context.runId,
    policy: config.policy,
    now,
    mode: context.mode,
    alarmFiredAt: context.alarmFiredAt,
    targetVersion: context.targetVersion,
    ...(context.expectedActive ? { expectedActive: context.expectedActive } : {}),
    ...(context.force ? { force: true } : {}),
    ...(automation.mode === 'paused' ? { paused: { reason: automation.reason, ...(automation.until ? { until: automation.until } : {}) } } : {}),
    ...(context.trigger.type === 'alarm' && isAutomatic ? { attribution: { ...(inAlarmSince ? { inAlarmSince } : {}), windowMs: parseDuration(context.environment.attributionWindow) } } : {}),
  });
  logger.info('rollback planned', { environment, runId: context.runId, decision: plan.decision });
  const base = { environment, drill: context.mode === 'drill', runId: context.runId, timeline: [], durationMs: 0 };
  switch (plan.decision) {
    case 'reject':
      return { ...base, outcome: 'rejected', reason: plan.reason, durationMs: elapsed() };
    case 'duplicate':
      return { ...base, outcome: 'duplicate', reason: plan.reason, deploymentId: plan.deploymentId, ...(plan.isThisRun ? { inFlight: true } : {}), durationMs: elapsed() };
    case 'answer':
      return answerFromRecord(plan.deployment, elapsed);
    case 'skip':
      return announceSkip(plan, context, pair.activeDeployment, deps, elapsed);
    case 'resume':
      return resumeRun(plan.deployment, invocationId, deps, elapsed);
    case 'proceed':
      if (automation.mode === 'observe' && isAutomatic) return observeRollback(context, plan.deployment, plan.target, deps, elapsed);
      if (automation.mode === 'observe') context = { ...context, reason: `${context.reason}; ${environment} is in observe mode: an alarm would be announced, not acted on` };
      return claimAndDrive(context, plan, invocationId, deps, elapsed, view.head);
    default: {
      const exhaustive: never = plan;
      throw new Error(`unhandled plan ${JSON.stringify(exhaustive)}`);
    }
  }
}

/**
 * What the guards weigh: the rollbacks since the guard window opened, the pause in force, and the
 * record this run claimed before (a retry). The head's ledger answers when it reaches back far
 * enough — the steady state, kept by the reconciler — else the rollbacks index and the head by key.
 */
async function guardsFor(context: RunContext, view: EnvironmentView, now: Date, deps: RollbackDependencies): Promise<{ recentRollbacks: RollbackEntry[]; control?: EnvironmentControl; ownRecord?: DeploymentRecord }> {
  const { history, config } = deps;
  const environment = context.environment.name;
  const isAutomatic = context.mode === 'automatic';
  // A drill is held back by what holds automation back (a pause), never by rollbacks it did not make.
  if (context.mode === 'drill') return { recentRollbacks: [], control: view.head?.control ?? (await history.controls.read(environment)) };
  const since = guardWindowStart(config.policy, now, context.alarmFiredAt);
  const isOwn = (entry: { runId: string; partOf?: string }) => entry.runId === context.runId && entry.partOf === undefined;
  if (ledgerCovers(view.head, since)) {
    const recentRollbacks = view.head.rollbacks.filter((entry) => entry.startedAt >= since.toISOString());
    const own = recentRollbacks.find(isOwn);
    // A retry whose claimed record is no longer the active one: read that record (the rare extra read).
    const ownRecord = own && own.deploymentId !== view.pair.activeDeployment?.deploymentId ? await history.deployments.getDeployment(own.deploymentId) : undefined;
    return { recentRollbacks, ...(isAutomatic ? { control: view.head.control } : {}), ...(ownRecord ? { ownRecord } : {}) };
  }
  const [records, control] = await Promise.all([
    history.deployments.listRollbacksSince(environment, since),
    isAutomatic ? (view.head ? Promise.resolve(view.head.control) : history.controls.read(environment)) : Promise.resolve(undefined),
  ]);
  const ownRecord = records.find((record) => record.rollback && isOwn(record.rollback));
  return { recentRollbacks: rollbackEntriesOf(records), ...(control ? { control } : {}), ...(ownRecord ? { ownRecord } : {}) };
}

function claimStepFor(context: RunContext, invocationId: string, plan: Extract<RollbackPlan, { decision: 'proceed' }>, at: Date): StepOf<'claim'> {
  const { deployment: from, target: to } = plan;
  const isDrill = context.mode === 'drill';
  return {
    step: 'claim',
    at: at.toISOString(),
    runId: context.runId,
    outcome: 'info',
    durationMs: 0,
    detail: isDrill
      ? `drill: would claim ${from.deploymentId} (${from.version}) and restore ${to.deploymentId} (${to.version}); nothing will be changed`
      : `claimed ${from.deploymentId} (${from.version}); restoring ${to.deploymentId} (${to.version})`,
    facts: {
      invocationId,
      mode: context.mode,
      environment: context.environment.name,
      fromDeploymentId: from.deploymentId,
      fromVersion: from.version,
      toDeploymentId: to.deploymentId,
      toVersion: to.version,
      reason: context.reason,
      ...(context.alarmName ? { alarmName: context.alarmName } : {}),
      ...(context.alarmFiredAt ? { alarmFiredAt: context.alarmFiredAt } : {}),
      ...(context.trigger.requestedBy ? { requestedBy: context.trigger.requestedBy } : {}),
      ...(context.trigger.verifiedBy ? { verifiedBy: context.trigger.verifiedBy } : {}),
      ...(context.trigger.type === 'deploy_failure' ? { triggerType: 'deploy_failure' as const } : {}),
      ...(plan.limitNotice ? { limitNotice: plan.limitNotice } : {}),
      ...(context.force ? { force: true } : {}),
    },
  };
}

/** The claim is the one write before the restore: it carries the journal's first step. */
async function claimAndDrive(
  context: RunContext,
  plan: Extract<RollbackPlan, { decision: 'proceed' }>,
  invocationId: string,
  deps: RollbackDependencies,
  elapsed: () => number,
  head: EnvironmentHead | undefined,
): Promise<RollbackRunResult> {
  const { history, config, clock } = deps;
  const { deployment: from, target: to } = plan;
  const claimStep = claimStepFor(context, invocationId, plan, clock.now());
  const isDrill = context.mode === 'drill';
  const claimed = isDrill
    ? await history.runs.startDrill({
        runId: context.runId,
        invocationId,
        environment: context.environment.name,
        from,
        trigger: context.trigger,
        leaseSeconds: config.policy.leaseSeconds,
        claimStep,
        retentionSeconds: DRILL_RETENTION_SECONDS,
      })
    : await history.runs.claim({ observed: from, runId: context.runId, invocationId, mode: context.mode, trigger: context.trigger, leaseSeconds: config.policy.leaseSeconds, claimStep });
  const isOurs = 'created' in claimed ? claimed.created : claimed.outcome === 'claimed';
  if (isOurs && 'deployment' in claimed) {
    deps.onStep?.(claimStep);
    deps.logger.info('claimed deployment', { deploymentId: claimed.deployment.deploymentId, environment: context.environment.name, runId: context.runId });
    const ref = { deploymentId: claimed.deployment.deploymentId, runId: context.runId, invocationId };
    // On the ledger alongside the restore, never before it: nothing but the claim stands between the alarm and the traffic.
    const prune = head ? { head, before: guardWindowStart(config.policy, clock.now()) } : undefined;
    const noted = isDrill ? Promise.resolve() : noteClaimOnLedger(claimed.deployment, deps, prune);
    try {
      return await new RollbackRun(ref, deps, claimed.deployment, elapsed, [from, to]).drive();
    } finally {
      await noted;
    }
  }
  if (!('deployment' in claimed)) {
    return { outcome: 'skipped', reason: `deployment ${claimed.deploymentId} disappeared from the history before it could be claimed`, environment: context.environment.name, drill: isDrill, timeline: [], durationMs: elapsed() };
  }
  // Someone got there first (a copy of this very event, or another run): decide from what is there now.
  const record = claimed.deployment;
  const next: RollbackPlan = planForRunOn(record, context.runId, clock.now()) ?? {
    decision: 'duplicate',
    deploymentId: record.deploymentId,
    reason: `deployment ${record.deploymentId} is already ${record.status}`,
  };
  switch (next.decision) {
    case 'answer':
      return answerFromRecord(record, elapsed);
    case 'resume':
      return resumeRun(record, invocationId, deps, elapsed);
    case 'duplicate':
      return { outcome: 'duplicate', reason: next.reason, deploymentId: next.deploymentId, environment: context.environment.name, drill: isDrill, runId: context.runId, ...(next.isThisRun ? { inFlight: true } : {}), timeline: [], durationMs: elapsed() };
    default:
      throw new Error(`unexpected plan after a lost claim: ${next.decision}`);
  }
}

/** A skip is announced once per deployment, reason and window: fifty deliveries of one alarm page people once. */
async function announceSkip(
  plan: Extract<RollbackPlan, { decision: 'skip' }>,
  context: RunContext,
  active: DeploymentRecord | undefined,
  deps: RollbackDependencies,
  elapsed: () => number,
): Promise<RollbackRunResult> {
  const environment = context.environment.name;
  const result: RollbackRunResult = {
    outcome: 'skipped',
    reason: plan.reason,
    environment,
    deploymentId: plan.deploymentId,
    fromVersion: active?.version,
    runId: context.runId,
    drill: context.mode === 'drill',
    timeline: [],
    durationMs: elapsed(),
  };
  const notice = skipNoticeFor(plan, environment, deps.config.policy, deps.clock.now());
  const isFirst = await deps.history.notices.isFirstNotice(notice.key, notice.until).catch((error: Error) => {
    // Better told twice than not at all.
    deps.logger.warn('could not check whether the skip was announced', { error: error.message });
    return true;
  });
  if (!isFirst) return result;
  const notification = notificationFor(result, { alarm: context.trigger.alarmName, requestedBy: context.trigger.requestedBy, verifiedBy: context.trigger.verifiedBy, skipSeverity: plan.severity })!;
  const delivery = await deliverNotification(deps, notification);
  return { ...result, notification: { type: notification.type, severity: notification.severity as NotificationSeverity, delivery }, durationMs: elapsed() };
}

/**
 * An alarm that was already in ALARM changed again (its reason, a re-evaluation): never acted on. It
 * is announced only when it shows the alarm was in ALARM before the live deployment started, which
 * people should know is not that deployment's doing; otherwise it is ignored, as before.
 */
async function answerStillInAlarm(context: RunContext, view: EnvironmentView, alarm: AlarmFacts | undefined, deps: RollbackDependencies, elapsed: () => number): Promise<RollbackRunResult> {
  const environment = context.environment.name;
  const active = view.pair.activeDeployment;
  const inAlarmSince = earliestInAlarm(context, alarm);
  const predates = active && inAlarmSince ? judgeAttribution({ environment, pair: view.pair, now: deps.clock.now(), alarmFiredAt: context.alarmFiredAt }, active, { inAlarmSince, windowMs: Infinity }) : undefined;
  if (predates?.decision === 'skip') return announceSkip(predates, context, active, deps, elapsed);
  const reason = notATransition(context.alarmName ?? '?');
  deps.logger.info('event ignored', { reason });
  return { outcome: 'ignored', reason, environment, drill: false, timeline: [], durationMs: elapsed() };
}

/** Since when the alarm has been in ALARM: the earlier of what its event says and what CloudWatch says. */
function earliestInAlarm(context: RunContext, alarm: AlarmFacts | undefined): string | undefined {
  return [context.alarmInAlarmSince, alarm?.inAlarmSince].filter((time): time is string => time !== undefined).sort()[0];
}

/** The alarm that fired, as CloudWatch has it now; a failed read is no reason to hold a rollback back. */
async function readAlarm(deps: RollbackDependencies, alarmName: string, environment: TargetLocation): Promise<AlarmFacts | undefined> {
  if (!deps.alarms) return undefined;
  try {
    // Where the environment lives: its alarm is there (another account: through its role).
    return await deps.alarms.read(alarmName, locationOf(environment));
  } catch (error) {
    deps.logger.warn('could not read the alarm (are its actions enabled, since when in ALARM); acting on it', { alarmName, error: (error as Error).message });
    return undefined;
  }
}

function isDrillBatch(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { action?: unknown }).action === 'drill' && 'environments' in raw;
}

/** Drills running at once from one batch: each reads its environment's history and targets. */
const DRILLS_AT_ONCE = 5;

/**
 * A scheduled batch: each environment's drill exactly as it would run alone (its own record, its own
 * announcement, the same request id scoped to it), a few at a time; the answer lists each one's.
 */
async function drillEach(batch: DrillBatchRequest, invocationId: string, deps: RollbackDependencies): Promise<RollbackRunResult> {
  const started = deps.clock.now().getTime();
  const runs: RollbackRunResult[] = [];
  const { environments, ...request } = batch;
  const queue = [...new Set(environments)];
  await Promise.all(
    Array.from({ length: Math.min(DRILLS_AT_ONCE, queue.length) }, async () => {
      for (let environment = queue.shift(); environment !== undefined; environment = queue.shift()) {
        runs.push(await runRollback({ ...request, environment }, invocationId, deps));
      }
    }),
  );
  const wouldWork = runs.filter((run) => run.outcome === 'rolled_back').length;
  return { outcome: 'drilled', reason: `${runs.length} drill(s): ${wouldWork} would have rolled back, ${runs.length - wouldWork} found a problem (each announced)`, drill: true, timeline: [], durationMs: deps.clock.now().getTime() - started, runs };
}
