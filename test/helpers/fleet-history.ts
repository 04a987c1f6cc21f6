import { demoRestorePoints, recordCompletedDeployment } from '../../cli/local-drill/demo-history';
import type { RollbackConfig } from '../../shared/config';
import type { DeploymentHistory } from '../../shared/history/deployment-history';
import type { Clock } from '../../shared/time/clock';
import type { Validator } from '../../shared/validation/validation-contract';

/** The fleet without health checks: the alarms and the traffic decide (the sandbox has no endpoints for hundreds of environments). */
export function withoutHealthChecks(config: RollbackConfig): RollbackConfig {
  return { ...config, environments: config.environments.map((environment) => ({ ...environment, healthChecks: [] })) };
}

/**
 * Every environment's known good 1.3.0 and the bad 1.4.1 on top (`<environment>-<version>`), each
 * with the demo's restore points for every target, 25 environments at a time.
 */
export async function seedFleetReleases(deployments: DeploymentHistory, config: RollbackConfig, options: { source: string; goodAt: Date; badAt: Date }): Promise<void> {
  for (let first = 0; first < config.environments.length; first += 25) {
    await Promise.all(
      config.environments.slice(first, first + 25).map(async (environment) => {
        for (const [version, number, at] of [['1.3.0', 14, options.goodAt], ['1.4.1', 21, options.badAt]] as const) {
          await recordCompletedDeployment(deployments, { deploymentId: `${environment.name}-${version}`, environment: environment.name, version, status: 'succeeded', source: options.source, at, restorePoints: demoRestorePoints(environment, { version, number }) });
        }
      }),
    );
  }
}

/**
 * A validator for a correlated storm: each run's first validation (its stage rollback) does not
 * recover — the shared cause is elsewhere — so every run reaches its full-scope decision; later ones do.
 */
export function stormValidator(clock: Clock): Validator {
  const validations = new Map<string, number>();
  return {
    validate: async (request) => {
      const origin = request.environments.at(-1)!.name;
      const round = (validations.get(origin) ?? 0) + 1;
      validations.set(origin, round);
      const verdict = round === 1 ? ('not_recovered' as const) : ('recovered' as const);
      return { success: verdict === 'recovered', verdict, evidence: [], timestamp: clock.now().toISOString(), checks: [], rounds: 1, durationMs: 0, reason: verdict, decidedBy: { environment: origin, check: 'test', detail: verdict } };
    },
  };
}
