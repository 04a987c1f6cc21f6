// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { targetLocationSchema, type TargetObservation } from '../target-plugin';

const appConfigId = (what: string) => z.string().regex(/^[a-z0-9]{4,7}$/, `must be an AppConfig ${what} ID (4 to 7 lowercase letters and digits)`);

export const appConfigConfigSchema = z.strictObject({
  type: z.literal('appconfig'),
  application: appConfigId('application'),
  environment: appConfigId('environment'),
  configurationProfile: appConfigId('configuration profile'),
  /** The strategy a restore deploys with: a fast one (AppConfig.AllAtOnce, or your own with no bake time). */
  deploymentStrategy: z.string().regex(/^([a-z0-9]{4,7}|AppConfig\.[A-Za-z0-9]{9,40})$/, 'must be an AppConfig deployment strategy ID, or a predefined one such as AppConfig.AllAtOnce'),
  ...targetLocationSchema,
});
export type AppConfigConfig = z.output<typeof appConfigConfigSchema>;

/** The configuration version the environment served (a hosted version number, an S3 object version, …). */
export const appConfigPointSchema = z.object({ configurationVersion: z.string().min(1).max(1_024) });
export type AppConfigPoint = z.output<typeof appConfigPointSchema>;

/**
 * The environment's deployment `deploymentNumber` must complete on `version`; or, when the restore
 * stopped the bad version's deployment (`stopped`), that one must have rolled back (the environment
 * then serves the version before it, the known good).
 */
export const appConfigExpectationSchema = z.object({
  target: z.literal('appconfig'),
  application: z.string().min(1),
  environment: z.string().min(1),
  deploymentNumber: z.number().int().nonnegative(),
  version: z.string().min(1),
  stopped: z.boolean().optional(),
});
export type AppConfigExpectation = z.output<typeof appConfigExpectationSchema>;

export function describeAppConfig(config: AppConfigConfig): string {
  return `configuration profile ${config.configurationProfile} in AppConfig environment ${config.application}/${config.environment}`;
}

/** One deployment as ListDeployments or GetDeployment report it. */
export interface AppConfigDeploymentReading {
  deploymentNumber: number;
  version?: string;
  state?: string;
  percentageComplete?: number;
}

/** States in which a deployment still moves (or waits to): AppConfig takes one at a time per environment. */
export const IN_FLIGHT_STATES: ReadonlySet<string> = new Set(['VALIDATING', 'DEPLOYING', 'BAKING']);

/**
 * What to do, from the profile's deployments in the environment (newest first): stop the bad
 * version's deployment while it is in flight (the environment goes back to the version before it),
 * nothing when the newest live one already is the known good, else deploy the known good. Pure.
 */
export function planAppConfigRestore(
  deployments: readonly AppConfigDeploymentReading[],
  good: string,
): { action: 'stop'; deployment: AppConfigDeploymentReading; servesAfter?: string } | { action: 'none'; deployment: AppConfigDeploymentReading } | { action: 'deploy' } {
  const live = deployments.filter((deployment) => deployment.state !== 'ROLLED_BACK' && deployment.state !== 'REVERTED');
  const newest = live[0];
  if (newest && newest.version === good) return { action: 'none', deployment: newest };
  if (newest && IN_FLIGHT_STATES.has(newest.state ?? '')) {
    const before = live.slice(1).find((deployment) => deployment.state === 'COMPLETE');
    return { action: 'stop', deployment: newest, ...(before?.version ? { servesAfter: before.version } : {}) };
  }
  return { action: 'deploy' };
}

/** Whether the expected deployment completed on the known good (or, stopped, rolled back). A rollback of the restore itself is final. Pure. */
export function judgeAppConfig(expectation: AppConfigExpectation, reading: AppConfigDeploymentReading | { error: string }): TargetObservation {
  if ('error' in reading) return { passed: false, detail: reading.error, inconclusive: true };
  const name = `deployment #${expectation.deploymentNumber} in ${expectation.application}/${expectation.environment}`;
  if (expectation.stopped) {
    if (reading.state === 'ROLLED_BACK' || reading.state === 'REVERTED') return { passed: true, detail: `${name} of the bad version ${reading.state}: the environment serves ${expectation.version} again` };
    return { passed: false, detail: `${name} is ${reading.state ?? 'unknown'}, not yet rolled back`, inconclusive: true };
  }
  if (reading.version !== expectation.version) return { passed: false, detail: `${name} deploys version ${reading.version ?? '?'}, expected ${expectation.version}`, isFinal: true };
  if (reading.state === 'COMPLETE') return { passed: true, detail: `${name} completed on version ${expectation.version}` };
  if (reading.state === 'ROLLED_BACK' || reading.state === 'REVERTED') return { passed: false, detail: `${name} of version ${expectation.version} was ${reading.state} by AppConfig`, isFinal: true };
  return { passed: false, detail: `${name} of version ${expectation.version} is ${reading.state ?? 'unknown'}${reading.percentageComplete !== undefined ? ` (${reading.percentageComplete}%)` : ''}`, inconclusive: true };
}
