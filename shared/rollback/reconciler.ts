import type { DeploymentRecord } from '../history/deployment-record';
import type { EnvironmentConfig } from '../config';
import { ledgerCovers, type EnvironmentHead } from '../history/environment-head';
import type { ReadinessReport } from '../history/readiness-report';
import { keepReadiness, READINESS_INTERVAL_MS } from './readiness';
import { drillPartition } from '../history/run-store';
import { guardWindowStart } from './rollback-plan';
import { resumeRun } from './rollback-run';
import type { RollbackRunResult } from './run-context';
import type { RollbackDependencies } from './run-dependencies';

/**
 * How far back the reconciler looks for unfinished runs. It runs every few minutes, so anything
 * older means it was itself down that long; a fortnight covers that without reading the whole index.
 */
export const RECONCILE_LOOKBACK_MS = 14 * 86_400_000;

/** Bump when the reconcile queue's shape changes: every table is swept once more, environment by environment. */
export const RECONCILE_SWEEP_VERSION = 1;

/**
 * Primary course: one Query of the reconcile queue (no Scan) gives what is due — each unfinished
 * run whose lease ran out, resumed once through the record holding its journal (past its attempts it
 * completes rollback_failed and escalates), and each environment whose head is due a check (its
 * ledger filled if short, its rollback readiness checked, then queued again in an hour). A tick costs
 * two reads (the queue and the sweep marker) with 1,000 environments as with 3. Until a table has been
 * swept once — a table from before the queue, whose runs and heads are not on it — each tick also
 * reads every environment as the reconciler used to, and puts its head on the queue.
 */
export async function reconcileRuns(invocationId: string, deps: RollbackDependencies, elapsed: () => number): Promise<RollbackRunResult> {
  const { config, history, clock, logger } = deps;
  const now = clock.now();
  const [swept, queued] = await Promise.all([history.runs.readSweep(), history.runs.findDue(now)]);
  const sweep = swept === undefined || swept < RECONCILE_SWEEP_VERSION ? await sweepEveryEnvironment(now, deps) : undefined;
  const due = [...queued.runs, ...(sweep?.due ?? [])];
  const configured = new Map(config.environments.map((environment) => [environment.name, environment]));
  // A sweep keeps every environment's head already: the queued ones are not kept twice.
  const dueHeads = sweep ? [] : queued.heads;
  const kept = await Promise.all(
    dueHeads.map(async (head) => {
      const name = head.control.environment;
      const environment = configured.get(name);
      if (environment) return keepAndRequeue(environment, head, now, deps);
      // An environment no longer configured leaves the queue.
      await history.controls.scheduleCheck(name, undefined).catch((error: Error) => logger.warn('could not take a removed environment off the queue', { environment: name, error: error.message }));
      return undefined;
    }),
  );
  const results = [...kept.filter((each) => each !== undefined), ...(sweep?.kept ?? [])];
  const filled = results.filter((each) => each.filled).length;
  const checked = results.flatMap((each) => (each.readiness ? [each.readiness] : []));
  const notReady = checked.filter((report) => !report.ready).length;
  // Each run once, through its journal's record, even when several of its records are due.
  const byRun = new Map<string, DeploymentRecord>();
  for (const record of due) {
    const journalId = record.rollback!.partOf ?? record.deploymentId;
    if (!byRun.has(journalId) || record.rollback!.partOf === undefined) byRun.set(journalId, record);
  }
  const runs = await Promise.all(
    [...byRun.values()].map((record) =>
      resumeRun(record, invocationId, deps, elapsed).catch((error: Error): RollbackRunResult => {
        logger.error('could not resume run', { deploymentId: record.deploymentId, error: error.message });
        return { outcome: 'handed_over', environment: record.environment, deploymentId: record.deploymentId, reason: `could not resume: ${error.message}`, drill: record.kind === 'drill', timeline: [], durationMs: elapsed() };
      }),
    ),
  );
  if (sweep?.complete) await history.runs.noteSweep(RECONCILE_SWEEP_VERSION).catch((error: Error) => logger.warn('could not note the sweep; the next tick sweeps again', { error: error.message }));
  const open = queued.runs.length + (sweep?.open ?? 0);
  logger.info('reconciled', { due: due.length, resumed: runs.length, environmentsDue: dueHeads.length, swept: sweep !== undefined, ledgersFilled: filled, readinessChecked: checked.length, notReady });
  return {
    outcome: 'reconciled',
    reason: `${open} unfinished run(s) due, ${runs.length} resumed${sweep ? `; every environment swept (${config.environments.length})` : ''}${filled > 0 ? `; ${filled} environment ledger(s) filled` : ''}${checked.length > 0 ? `; readiness checked in ${checked.length} environment(s), ${notReady} not ready` : ''}`,
    drill: false,
    timeline: [],
    durationMs: elapsed(),
    runs,
  };
}

/**
 * The reconciler as it was before the queue, once per table: every environment's (and its drills')
 * unfinished runs from the rollbacks index, and every head kept and put on the queue. Complete only
 * when every open run it saw is on the queue (a run from before it is, once resumed or renewed).
 */
async function sweepEveryEnvironment(now: Date, deps: RollbackDependencies): Promise<{ due: DeploymentRecord[]; open: number; kept: { filled: boolean; readiness?: ReadinessReport }[]; complete: boolean }> {
  const { config, history } = deps;
  const since = new Date(now.getTime() - RECONCILE_LOOKBACK_MS);
  const partitions = config.environments.flatMap(({ name }) => [name, drillPartition(name)]);
  const [openRuns, kept] = await Promise.all([
    Promise.all(partitions.map((partition) => history.runs.findOpenRuns(partition, since))),
    Promise.all(config.environments.map((environment) => keepAndRequeue(environment, undefined, now, deps))),
  ]);
  const open = openRuns.flat();
  // Runs already on the queue were read from it; the rest are due here when their lease ran out.
  const legacy = open.filter((record) => record.reconcileQueue === undefined);
  const due = legacy.filter((record) => record.rollback!.leaseExpiresAt! <= now.toISOString());
  return { due, open: legacy.length, kept, complete: legacy.length === due.length && due.length === 0 && kept.every((each) => each.queued) };
}

/** An environment's due check (see keepHead), then its place on the queue an hour on; `queued` says whether that write took. */
async function keepAndRequeue(environment: EnvironmentConfig, head: EnvironmentHead | undefined, now: Date, deps: RollbackDependencies): Promise<{ filled: boolean; readiness?: ReadinessReport; queued: boolean }> {
  const result = await keepHead(environment, guardWindowStart(deps.config.policy, now), deps, head);
  const queued = await deps.history.controls.scheduleCheck(environment.name, new Date(now.getTime() + READINESS_INTERVAL_MS)).then(
    () => true,
    (error: Error) => (deps.logger.warn('could not queue the environment’s next check', { environment: environment.name, error: error.message }), false),
  );
  return { ...result, queued };
}

/**
 * The environment's head (read here unless the queue already gave it), then what it needs: its ledger filled when it does not reach
 * back as far as the guards read, and its rollback readiness checked when due (after a deployment or
 * restore moved what is live, else hourly). Each failure is logged and left to the next run.
 */
async function keepHead(environment: EnvironmentConfig, since: Date, deps: RollbackDependencies, given?: EnvironmentHead): Promise<{ filled: boolean; readiness?: ReadinessReport }> {
  let head = given;
  try {
    head ??= await deps.history.controls.readHead(environment.name);
  } catch (error) {
    deps.logger.warn('could not read the environment’s head; tried again on the next run', { environment: environment.name, error: (error as Error).message });
    return { filled: false };
  }
  const [filled, readiness] = await Promise.all([fillLedgerIfShort(environment.name, head, since, deps), keepReadiness(environment, head, deps), pruneLedger(head, since, deps)]);
  return { filled, ...(readiness ? { readiness } : {}) };
}

/**
 * Keeps every environment's ledger reaching back as far as the guards read, so an alarm (or a
 * duplicate of one) decides from one Query: a new environment, a table from before the ledger, or
 * entries pruned by age get it filled from the rollbacks index. True when it had to fill it; a
 * failure is logged and left to the next run — until then the guards read the index themselves.
 */
async function fillLedgerIfShort(environment: string, head: EnvironmentHead | undefined, since: Date, deps: RollbackDependencies): Promise<boolean> {
  const { history, logger } = deps;
  try {
    if (ledgerCovers(head, since)) return false;
    await history.controls.fillLedger(environment, since, await history.deployments.listRollbacksSince(environment, since));
    return true;
  } catch (error) {
    logger.warn('could not fill the environment’s rollback ledger; its guards read the rollbacks index meanwhile', { environment, error: (error as Error).message });
    return false;
  }
}

/**
 * Drops ledger entries older than the guards read, so a ledger stays bounded even in an environment
 * that never claims a rollback of its own (it only joins others' full rollbacks, whose entries no
 * claim there would prune). A failure is logged and left to the next check.
 */
async function pruneLedger(head: EnvironmentHead | undefined, before: Date, deps: RollbackDependencies): Promise<void> {
  if (!head) return;
  await deps.history.controls.pruneLedger(head, before).catch((error: Error) => deps.logger.warn('could not prune the environment’s rollback ledger; tried again at its next check', { environment: head.control.environment, error: error.message }));
}
