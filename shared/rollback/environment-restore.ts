import { findEnvironment, type RollbackConfig, type TargetConfig } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { EnvironmentRestore, TargetRestore } from '../history/run-journal';
import type { TargetDrivers } from '../targets/target-drivers';
import type { RestorePhase } from '../targets/target-plugin';
import { inRestoreOrder, restorePointOf, targetPlugin } from '../targets/target-registry';
import { judgeEnvironmentRestore } from './restore-verdict';

export interface RestoreOptions {
  runId: string;
  reason: string;
  /** Drill or observe: read what would change, change nothing. */
  simulate: boolean;
  /** An earlier attempt of this run may have restored before it died. */
  resumed: boolean;
  /** The call around the traffic targets, for a target with `restorePhases`. */
  phase?: RestorePhase;
}

/**
 * Every configured target of the environment from the restore points the two deployments recorded:
 * `before` targets first (a hook); then the traffic targets together (an alias, a distribution, DNS
 * weights, a service: each is an instant fix, none waits for another); then the rest together (the
 * pipeline stage, a stack, a configuration); then `after` targets (a hook), listed in restore order.
 * One target's failure (or bug) never stops the others, except a `before` target configured to
 * block: its refusal leaves every other target untouched and needs a person.
 */
export async function restoreEnvironment(
  deps: { config: RollbackConfig; targets: TargetDrivers },
  entry: Omit<EnvironmentRestore, 'verdict' | 'targets'>,
  from: DeploymentRecord,
  to: DeploymentRecord,
  options: RestoreOptions,
): Promise<EnvironmentRestore> {
  const environment = findEnvironment(deps.config, entry.environment);
  const ordered = inRestoreOrder(environment.targets);
  const restore = (configs: readonly TargetConfig[], phase?: RestorePhase) =>
    Promise.all(
      configs.map(async (config): Promise<TargetRestore> => {
        const plugin = targetPlugin(config.type);
        const result = await restoreTarget(deps.targets, config, entry.environment, from, to, { ...options, phase });
        return { target: plugin.type, ...result, movesTraffic: plugin.movesTraffic, expectations: result.expectations ?? [] };
      }),
    );
  const phased = ordered.map((config) => ({ config, ...phasingOf(config) }));
  const inPhase = (phase: Phase) => phased.filter((entry) => entry.phases.includes(phase));
  const targets: TargetRestore[] = [];
  let blocker: TargetRestore | undefined;
  for (const phase of PHASES) {
    const entries = inPhase(phase);
    if (blocker) {
      targets.push(...entries.map(({ config }): TargetRestore => ({ target: config.type, outcome: 'failed', detail: `not attempted: ${blocker!.detail}`, movesTraffic: targetPlugin(config.type).movesTraffic, expectations: [] })));
      continue;
    }
    const results = await restore(entries.map((entry) => entry.config), phase === 'before' || phase === 'after' ? phase : undefined);
    targets.push(...results);
    if (phase === 'before') blocker = results.find((result, index) => result.outcome === 'failed' && entries[index]!.blocks);
  }
  return { ...entry, verdict: judgeEnvironmentRestore(targets), targets };
}

type Phase = RestorePhase | 'traffic' | 'rest';
const PHASES: readonly Phase[] = ['before', 'traffic', 'rest', 'after'];

/** When a target restores (its plugin's phases, else traffic or the rest) and whether its failure before the others stops them. Pure. */
function phasingOf(config: TargetConfig): { phases: readonly Phase[]; blocks: boolean } {
  const plugin = targetPlugin(config.type);
  const parsed = plugin.configSchema.parse(config);
  return { phases: plugin.restorePhases?.(parsed) ?? [plugin.movesTraffic ? 'traffic' : 'rest'], blocks: plugin.blocksRestoreOnFailure?.(parsed) ?? false };
}

async function restoreTarget(
  drivers: TargetDrivers,
  config: TargetConfig,
  environment: string,
  from: DeploymentRecord,
  to: DeploymentRecord,
  options: RestoreOptions,
): Promise<Omit<TargetRestore, 'target' | 'movesTraffic'>> {
  const plugin = targetPlugin(config.type);
  const good = restorePointOf(to, plugin);
  if (good.problem) return { outcome: 'failed', detail: good.problem, expectations: [] };
  if (good.point === undefined) {
    const why = to.restorePointsUnknown ? ` (${to.restorePointsUnknown})` : '';
    return { outcome: 'not_applicable', detail: `${to.deploymentId} recorded no ${plugin.title} restore point${why}`, expectations: [] };
  }
  try {
    return {
      expectations: [],
      ...(await drivers.driverFor(plugin.type, environment).restore({
        environment,
        runId: options.runId,
        config: plugin.configSchema.parse(config),
        from: restorePointOf(from, plugin).point,
        to: good.point,
        fromVersion: from.version,
        fromDeploymentId: from.deploymentId,
        fromStartedAt: from.startedAt,
        toVersion: to.version,
        toDeploymentId: to.deploymentId,
        reason: options.reason,
        simulate: options.simulate,
        resumed: options.resumed,
        ...(options.phase ? { phase: options.phase } : {}),
      })),
    };
  } catch (error) {
    // A target's own bug must not stop the other targets or the next level.
    return { outcome: 'failed', detail: `unexpected error: ${(error as Error).message}`, expectations: [] };
  }
}
