import type { EnvironmentConfig } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { EnvironmentHead } from '../history/environment-head';
import { sameValue } from '../history/live-state';
import type { ReadinessReport } from '../history/readiness-report';
import type { RollbackPair } from '../history/rollback-selection';
import type { RollbackNotification } from '../notify/notifier';
import { describeCoverageGap, restorePointCoverage, restorePointOf, targetPlugin } from '../targets/target-registry';
import { errorLine } from '../aws/error-line';
import { deliverNotification } from './deliver-notification';
import type { RollbackDependencies } from './run-dependencies';

/** How often readiness is checked again when nothing moved (a version deleted, a task definition deregistered…). */
export const READINESS_INTERVAL_MS = 60 * 60_000;
/** One `rollback_not_ready` per live deployment: the marker outlives any sensible deployment. */
const NOT_READY_NOTICE_MS = 30 * 86_400_000;

/** Whether the head's readiness report is due: none yet, something newer went live since, or it is an interval old. Pure. */
export function isReadinessDue(head: EnvironmentHead | undefined, now: Date): boolean {
  const report = head?.readiness;
  if (!report) return true;
  if (head?.live && (head.live.deploymentId !== report.liveDeploymentId || head.live.since !== report.liveSince)) return true;
  return Date.parse(report.checkedAt) + READINESS_INTERVAL_MS <= now.getTime();
}

/**
 * Reads, without changing anything, whether the known good could be restored now through every
 * configured target, and whether each target serves what the head keeps as live. A target that
 * cannot be read is a problem (or drift), never a pass.
 */
export async function checkReadiness(environment: EnvironmentConfig, deps: Pick<RollbackDependencies, 'history' | 'targets' | 'clock'>): Promise<{ report: ReadinessReport; pair: RollbackPair }> {
  const view = await deps.history.deployments.readEnvironment(environment);
  const { pair, head } = view;
  const knownGood = pair.lastKnownGood;
  const problems: string[] = [];
  if (!pair.activeDeployment) problems.push(pair.liveMissing ? `the live deployment ${pair.liveMissing} is not in the history` : 'no deployment recorded: nothing to roll back from');
  else if (!knownGood) {
    const passedOver = (pair.notRestorable ?? []).map((record) => `${record.version} (${record.deploymentId}) ${record.why}`);
    problems.push(`no known good below ${pair.activeDeployment.version} (${pair.activeDeployment.deploymentId})${passedOver.length > 0 ? `: ${passedOver.join('; ')}` : ''}`);
  }
  const [restorable, drift] = await Promise.all([knownGood ? restorableProblems(environment, knownGood, deps) : Promise.resolve([]), driftFrom(environment, pair, head, deps)]);
  problems.push(...restorable);
  const report: ReadinessReport = {
    checkedAt: deps.clock.now().toISOString(),
    ...(head?.live ? { liveDeploymentId: head.live.deploymentId, liveSince: head.live.since } : {}),
    ...(knownGood ? { knownGoodDeploymentId: knownGood.deploymentId } : {}),
    ready: problems.length === 0 && drift.length === 0,
    problems,
    drift,
  };
  return { report, pair };
}

/** Each target asked, read-only, whether the known good's restore point can be put back now. */
async function restorableProblems(environment: EnvironmentConfig, knownGood: DeploymentRecord, deps: Pick<RollbackDependencies, 'targets'>): Promise<string[]> {
  const gap = describeCoverageGap(restorePointCoverage(environment.targets, knownGood));
  if (gap) return [`${knownGood.deploymentId} ${gap}`];
  const answers = await Promise.all(
    environment.targets.map(async (config) => {
      const plugin = targetPlugin(config.type);
      try {
        const readiness = await deps.targets.driverFor(plugin.type, environment.name).readiness(plugin.configSchema.parse(config), restorePointOf(knownGood, plugin).point);
        return readiness.ready ? undefined : `${plugin.type}: ${readiness.detail}`;
      } catch (error) {
        return `${plugin.type}: cannot tell: ${errorLine(error)}`;
      }
    }),
  );
  return answers.filter((answer): answer is string => answer !== undefined);
}

/**
 * What each target serves now against what the head keeps it serving — only where a restore point is
 * the served state itself (versions, weights, a release, a task definition): drift is reported, never
 * silently trusted.
 */
async function driftFrom(environment: EnvironmentConfig, pair: RollbackPair, head: EnvironmentHead | undefined, deps: Pick<RollbackDependencies, 'history' | 'targets'>): Promise<string[]> {
  const live = head?.live;
  if (!live) return [];
  const known = new Map([pair.activeDeployment, pair.liveDeployment, pair.lastKnownGood].flatMap((record) => (record ? [[record.deploymentId, record] as const] : [])));
  const recordOf = async (deploymentId: string) => known.get(deploymentId) ?? (await deps.history.deployments.getDeployment(deploymentId));
  const findings = await Promise.all(
    environment.targets.map(async (config) => {
      const plugin = targetPlugin(config.type);
      const servedBy = live.targets[plugin.type];
      if (!plugin.pointIsServedState || !servedBy) return undefined;
      const record = await recordOf(servedBy);
      const kept = record ? restorePointOf(record, plugin).point : undefined;
      if (kept === undefined) return undefined;
      try {
        const serving = plugin.restorePointSchema.parse(await deps.targets.driverFor(plugin.type, environment.name).capture(plugin.configSchema.parse(config), { readOnly: true }));
        return sameValue(kept, serving) ? undefined : `${plugin.type} serves ${plugin.describeRestorePoint(serving)}, not ${plugin.describeRestorePoint(kept)} of ${servedBy} (live since ${live.since}): changed outside the controller`;
      } catch (error) {
        return `${plugin.type}: cannot read what it serves: ${errorLine(error)}`;
      }
    }),
  );
  return findings.filter((finding): finding is string => finding !== undefined);
}

/** The warning people get once per live deployment that could not be rolled back (or whose targets drifted). Pure. */
export function notReadyNotification(environment: string, report: ReadinessReport, pair: Pick<RollbackPair, 'activeDeployment' | 'lastKnownGood'>): RollbackNotification {
  const parts = [...report.problems, ...report.drift.map((drift) => `drift: ${drift}`)];
  return {
    type: 'rollback_not_ready',
    severity: 'warning',
    environment,
    ...(pair.activeDeployment ? { deploymentId: pair.activeDeployment.deploymentId, fromVersion: pair.activeDeployment.version } : {}),
    ...(pair.lastKnownGood ? { toVersion: pair.lastKnownGood.version } : {}),
    outcome: 'not_ready',
    reason: `${environment} could not be rolled back as things stand: ${parts.join('; ')}`,
    durationMs: 0,
    drill: false,
    timeline: [],
  };
}

/**
 * The reconciler's readiness pass for one environment: when due, check, keep the report on the head,
 * and announce a deployment that cannot be rolled back once. A failure is logged and tried next time.
 */
export async function keepReadiness(environment: EnvironmentConfig, head: EnvironmentHead | undefined, deps: RollbackDependencies): Promise<ReadinessReport | undefined> {
  const now = deps.clock.now();
  if (!isReadinessDue(head, now)) return undefined;
  try {
    const { report, pair } = await checkReadiness(environment, deps);
    // A rollback in flight is the answer for now: readiness is judged once it let go.
    if (pair.activeDeployment?.rollback?.leaseExpiresAt !== undefined) return undefined;
    await deps.history.controls.noteReadiness(environment.name, report);
    if (report.ready) return report;
    const key = `${environment.name}#rollback_not_ready#${report.liveDeploymentId ?? pair.activeDeployment?.deploymentId ?? '-'}`;
    if (await deps.history.notices.isFirstNotice(key, new Date(now.getTime() + NOT_READY_NOTICE_MS))) await deliverNotification(deps, notReadyNotification(environment.name, report, pair));
    deps.logger.warn('rollback not ready', { environment: environment.name, problems: report.problems, drift: report.drift });
    return report;
  } catch (error) {
    deps.logger.warn('could not check rollback readiness; tried again on the next run', { environment: environment.name, error: (error as Error).message });
    return undefined;
  }
}
