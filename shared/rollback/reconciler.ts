import type { DeploymentRecord } from '../history/deployment-record';
import type { EnvironmentConfig } from '../config';
import { ledgerCovers, type EnvironmentHead } from '../history/environment-head';
import type { ReadinessReport } from '../history/readiness-report';
import { keepReadiness } from './readiness';
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

/**
 * Primary course: read every environment's (and its drills') unfinished runs from the sparse
 * rollbacks index — no Scan — keep those whose lease ran out, and resume each through the record
 * holding its journal. A resumed run past its attempts completes as rollback_failed and escalates.
 * Alongside, every environment's rollback ledger is kept reaching back as far as the guards read.
 */
export async function reconcileRuns(invocationId: string, deps: RollbackDependencies, elapsed: () => number): Promise<RollbackRunResult> {
  const { config, history, clock, logger } = deps;
  const now = clock.now();
  const since = new Date(now.getTime() - RECONCILE_LOOKBACK_MS);
  const partitions = config.environments.flatMap(({ name }) => [name, drillPartition(name)]);
  const [openRuns, kept] = await Promise.all([
    Promise.all(partitions.map((partition) => history.runs.findOpenRuns(partition, since))),
    Promise.all(config.environments.map((environment) => keepHead(environment, guardWindowStart(config.policy, now), deps))),
  ]);
  const filled = kept.map((each) => each.filled);
  const checked = kept.flatMap((each) => (each.readiness ? [each.readiness] : []));
  const notReady = checked.filter((report) => !report.ready).length;
  const open = openRuns.flat();
  const due = open.filter((record) => record.rollback!.leaseExpiresAt! <= now.toISOString());
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
  const ledgersFilled = filled.filter(Boolean).length;
  logger.info('reconciled', { open: open.length, due: due.length, resumed: runs.length, ledgersFilled, readinessChecked: checked.length, notReady });
  return {
    outcome: 'reconciled',
    reason: `${open.length} unfinished run(s), ${due.length} past their lease, ${runs.length} resumed${ledgersFilled > 0 ? `; ${ledgersFilled} environment ledger(s) filled` : ''}${checked.length > 0 ? `; readiness checked in ${checked.length} environment(s), ${notReady} not ready` : ''}`,
    drill: false,
    timeline: [],
    durationMs: elapsed(),
    runs,
  };
}

/**
 * One read of an environment's head, then what it needs: its ledger filled when it does not reach
 * back as far as the guards read, and its rollback readiness checked when due (after a deployment or
 * restore moved what is live, else hourly). Each failure is logged and left to the next run.
 */
async function keepHead(environment: EnvironmentConfig, since: Date, deps: RollbackDependencies): Promise<{ filled: boolean; readiness?: ReadinessReport }> {
  let head: EnvironmentHead | undefined;
  try {
    head = await deps.history.controls.readHead(environment.name);
  } catch (error) {
    deps.logger.warn('could not read the environment’s head; tried again on the next run', { environment: environment.name, error: (error as Error).message });
    return { filled: false };
  }
  const [filled, readiness] = await Promise.all([fillLedgerIfShort(environment.name, head, since, deps), keepReadiness(environment, head, deps)]);
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
