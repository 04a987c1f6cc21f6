import type { AppConfigClient } from '@aws-sdk/client-appconfig';
import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import type { ClientFactory } from '../client-factory';
import type { TargetDriver } from '../target-plugin';
import {
  describeAppConfig,
  IN_FLIGHT_STATES,
  judgeAppConfig,
  planAppConfigRestore,
  type AppConfigConfig,
  type AppConfigDeploymentReading,
  type AppConfigExpectation,
  type AppConfigPoint,
} from './appconfig-rules';

const appConfigSdk = loadOnce(() => import('@aws-sdk/client-appconfig'));

/** How many of the environment's newest deployments are read (ListDeployments' largest page). */
const DEPLOYMENTS_READ = 50;

/**
 * An AppConfig configuration profile in one environment: stop the bad version's deployment while it
 * is in flight, or deploy the known good version with the configured (fast) strategy.
 */
export function appConfigDriver(clients: ClientFactory): TargetDriver<AppConfigConfig, AppConfigPoint, AppConfigExpectation> {
  const client = async (config: AppConfigConfig): Promise<AppConfigClient> => clients.client((await appConfigSdk()).AppConfigClient, config);
  const profiles = new Map<string, { name: string; location?: string }>();

  /** The profile's name (ListDeployments names each deployment's configuration by it) and store: read once per container. */
  const profileOf = async (config: AppConfigConfig): Promise<{ name: string; location?: string }> => {
    const key = `${config.roleArn ?? ''}|${config.region ?? ''}|${config.application}/${config.configurationProfile}`;
    const known = profiles.get(key);
    if (known) return known;
    const { GetConfigurationProfileCommand } = await appConfigSdk();
    const { Name, LocationUri } = await (await client(config)).send(new GetConfigurationProfileCommand({ ApplicationId: config.application, ConfigurationProfileId: config.configurationProfile }));
    if (!Name) throw new Error(`configuration profile ${config.configurationProfile} has no name`);
    const profile = { name: Name, ...(LocationUri ? { location: LocationUri } : {}) };
    profiles.set(key, profile);
    return profile;
  };

  /** The environment's deployments, newest first: the profile's, and whether another profile's is in flight. */
  const readDeployments = async (config: AppConfigConfig) => {
    const { ListDeploymentsCommand } = await appConfigSdk();
    const [{ name }, listed] = await Promise.all([profileOf(config), (await client(config)).send(new ListDeploymentsCommand({ ApplicationId: config.application, EnvironmentId: config.environment, MaxResults: DEPLOYMENTS_READ }))]);
    const all = (listed.Items ?? []).map((item) => ({ name: item.ConfigurationName, deploymentNumber: item.DeploymentNumber ?? 0, version: item.ConfigurationVersion, state: item.State, percentageComplete: item.PercentageComplete }));
    return { mine: all.filter((item) => item.name === name), others: all.filter((item) => item.name !== name) };
  };

  return {
    async restore({ config, to, runId, toVersion, toDeploymentId, simulate }) {
      const fail = (detail: string) => ({ outcome: 'failed' as const, detail: `${describeAppConfig(config)}: ${detail}` });
      const expectation = (deployment: AppConfigDeploymentReading, stopped = false): AppConfigExpectation => ({
        target: 'appconfig',
        application: config.application,
        environment: config.environment,
        deploymentNumber: deployment.deploymentNumber,
        version: to.configurationVersion,
        ...(stopped ? { stopped: true } : {}),
      });
      let deployments: Awaited<ReturnType<typeof readDeployments>>;
      try {
        deployments = await readDeployments(config);
      } catch (error) {
        return fail(`cannot read its deployments: ${errorLine(error)}`);
      }
      const plan = planAppConfigRestore(deployments.mine, to.configurationVersion);
      const sdk = await appConfigSdk();
      if (plan.action === 'none') return { outcome: 'unchanged', detail: `${describeAppConfig(config)} already deploys version ${to.configurationVersion} (deployment #${plan.deployment.deploymentNumber})`, expectations: [expectation(plan.deployment)] };
      if (plan.action === 'stop') {
        const { deployment, servesAfter } = plan;
        const stop = `stop deployment #${deployment.deploymentNumber} of version ${deployment.version ?? '?'} (${deployment.state})`;
        // Stopped, the environment goes back to the version before: enough only when that is the known good.
        const andDeploy = servesAfter === to.configurationVersion ? '' : `, then deploy version ${to.configurationVersion}`;
        if (simulate) return { outcome: 'would_restore', detail: `would ${stop}${andDeploy}` };
        try {
          // StopDeployment takes a DEPLOYING deployment as it is; one baking (or validating) needs AllowRevert.
          await (await client(config)).send(new sdk.StopDeploymentCommand({ ApplicationId: config.application, EnvironmentId: config.environment, DeploymentNumber: deployment.deploymentNumber, ...(deployment.state === 'DEPLOYING' ? {} : { AllowRevert: true }) }));
        } catch (error) {
          return fail(`cannot ${stop}: ${errorLine(error)}`);
        }
        if (!andDeploy) return { outcome: 'restored', detail: `${describeAppConfig(config)}: stopped deployment #${deployment.deploymentNumber} of version ${deployment.version ?? '?'}; back on version ${to.configurationVersion}`, expectations: [expectation(deployment, true)] };
      } else {
        const busy = deployments.others.find((deployment) => IN_FLIGHT_STATES.has(deployment.state ?? ''));
        // AppConfig deploys one configuration at a time per environment.
        if (busy) return fail(`deployment #${busy.deploymentNumber} of ${busy.name ?? 'another profile'} is ${busy.state} in the environment: AppConfig deploys one at a time`);
        if (simulate) return { outcome: 'would_restore', detail: `would deploy version ${to.configurationVersion} with strategy ${config.deploymentStrategy} (now ${deployments.mine[0]?.version ?? 'none'})` };
      }
      try {
        const started = await (await client(config)).send(
          new sdk.StartDeploymentCommand({
            ApplicationId: config.application,
            EnvironmentId: config.environment,
            DeploymentStrategyId: config.deploymentStrategy,
            ConfigurationProfileId: config.configurationProfile,
            ConfigurationVersion: to.configurationVersion,
            Description: `rollback-controller run ${runId}: back to ${toVersion} (${toDeploymentId})`.slice(0, 1_024),
          }),
        );
        const deployment = { deploymentNumber: started.DeploymentNumber ?? 0 };
        return { outcome: 'restored', detail: `${describeAppConfig(config)}: deploying version ${to.configurationVersion} with ${config.deploymentStrategy} (deployment #${deployment.deploymentNumber})`, expectations: [expectation(deployment)] };
      } catch (error) {
        return fail(`cannot deploy version ${to.configurationVersion}: ${errorLine(error)}`);
      }
    },

    async check(config, expectation) {
      try {
        const { GetDeploymentCommand } = await appConfigSdk();
        const deployment = await (await client(config)).send(new GetDeploymentCommand({ ApplicationId: expectation.application, EnvironmentId: expectation.environment, DeploymentNumber: expectation.deploymentNumber }));
        return judgeAppConfig(expectation, { deploymentNumber: expectation.deploymentNumber, version: deployment.ConfigurationVersion, state: deployment.State, percentageComplete: deployment.PercentageComplete });
      } catch (error) {
        return judgeAppConfig(expectation, { error: `cannot read deployment #${expectation.deploymentNumber}: ${errorLine(error)}` });
      }
    },

    async capture(config) {
      const { mine } = await readDeployments(config);
      const served = mine.find((deployment) => deployment.state === 'COMPLETE');
      if (!served?.version) throw new Error(`${describeAppConfig(config)} has no completed deployment among its newest ${DEPLOYMENTS_READ}`);
      return { configurationVersion: served.version };
    },

    /** A hosted version must still exist (a deleted one cannot be deployed); other stores are read by AppConfig as it deploys. */
    async readiness(config, point) {
      try {
        const [sdk, { location }] = await Promise.all([appConfigSdk(), profileOf(config)]);
        if (location !== 'hosted') return { ready: true, detail: `version ${point.configurationVersion} of ${location ?? 'its store'}: AppConfig reads it when it deploys` };
        if (!/^\d+$/.test(point.configurationVersion)) return { ready: false, detail: `version ${point.configurationVersion} is not a hosted version number` };
        await (await client(config)).send(new sdk.GetHostedConfigurationVersionCommand({ ApplicationId: config.application, ConfigurationProfileId: config.configurationProfile, VersionNumber: Number(point.configurationVersion) }));
        return { ready: true, detail: `hosted configuration version ${point.configurationVersion} exists` };
      } catch (error) {
        return { ready: false, detail: `cannot read configuration version ${point.configurationVersion}: ${errorLine(error)}` };
      }
    },
  };
}
