import type { EnvironmentConfig, RollbackConfig } from '../../shared/config';
import { targetPlugin } from '../../shared/targets/target-registry';
import type { DeploymentHistory, RecordDeploymentInput } from '../../shared/history/deployment-history';

const DAY_MS = 86_400_000;

/**
 * Three weeks of releases in every environment: 1.0.0 to 1.3.0, one failed attempt on the way (its
 * traffic never moved). 1.3.0 went out this morning: an alarm now is within the environments'
 * attribution window (24 h), so the sample events act on a fresh history.
 */
const DEMO_RELEASES: { version: string; daysAgo: number; status: 'succeeded' | 'failed' }[] = [
  { version: '1.0.0', daysAgo: 21, status: 'succeeded' },
  { version: '1.1.0', daysAgo: 14, status: 'succeeded' },
  { version: '1.2.0', daysAgo: 7, status: 'succeeded' },
  { version: '1.2.1', daysAgo: 5, status: 'failed' },
  { version: '1.3.0', daysAgo: 0.25, status: 'succeeded' },
];

/** Whether the local table has any history for the configured environments yet. */
export async function isHistoryEmpty(store: DeploymentHistory, config: RollbackConfig): Promise<boolean> {
  const pages = await Promise.all(config.environments.map((environment) => store.listHistory({ environment: environment.name, limit: 1 })));
  return pages.every((page) => page.items.length === 0);
}

/** Records the demo releases for every environment, promoted an hour apart (idempotent: fixed ids). */
export async function seedDemoHistory(store: DeploymentHistory, config: RollbackConfig, now: Date): Promise<number> {
  let count = 0;
  for (const [releaseIndex, release] of DEMO_RELEASES.entries()) {
    for (const [environmentIndex, environment] of config.environments.entries()) {
      const at = new Date(now.getTime() - release.daysAgo * DAY_MS + environmentIndex * 3_600_000);
      await recordCompletedDeployment(store, {
        deploymentId: `demo-${environment.name}-${release.version}`,
        environment: environment.name,
        version: release.version,
        status: release.status,
        at,
        source: 'demo-seed',
        restorePoints: demoRestorePoints(environment, { version: release.version, number: 10 + releaseIndex }, { movedTraffic: release.status === 'succeeded' }),
      });
      count += 1;
    }
  }
  return count;
}

/** How long a demo deployment takes, start to finish. */
const DEPLOYMENT_MS = 6 * 60_000;

/** Records a deployment as a pipeline would: started, then finished six minutes later. */
export async function recordCompletedDeployment(store: DeploymentHistory, input: RecordDeploymentInput & { at: Date; status: 'succeeded' | 'failed' }): Promise<void> {
  await store.recordDeployment({ ...input, status: 'in_progress' });
  await store.recordDeployment({ ...input, at: new Date(input.at.getTime() + DEPLOYMENT_MS) });
}

/** What a demo deployment of a release records for each of the environment's targets (a failed attempt that moved no traffic: only the others). */
export function demoRestorePoints(environment: EnvironmentConfig, release: { version: string; number: number }, options: { movedTraffic?: boolean } = {}): Record<string, unknown> {
  const targets = environment.targets.filter((target) => options.movedTraffic !== false || !targetPlugin(target.type).movesTraffic);
  return Object.fromEntries(targets.map((target) => {
    const plugin = targetPlugin(target.type);
    return [plugin.type, plugin.demoRestorePoint(plugin.configSchema.parse(target), release)];
  }));
}
