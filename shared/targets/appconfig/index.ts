import { defineTarget } from '../target-plugin';
import { appConfigDriver } from './aws';
import { appConfigConfigSchema, appConfigExpectationSchema, appConfigPointSchema, describeAppConfig } from './appconfig-rules';
import { appConfigTwin } from './sandbox';

/** An AppConfig configuration profile in one environment: back to the recorded configuration version. */
export const appConfigTarget = defineTarget({
  type: 'appconfig',
  title: 'AppConfig configuration',
  movesTraffic: false,
  pointIsServedState: true,
  checkName: 'appconfig',
  configSchema: appConfigConfigSchema,
  restorePointSchema: appConfigPointSchema,
  expectationSchema: appConfigExpectationSchema,
  describeConfig: (config) => describeAppConfig(config),
  describeRestorePoint: (point) => `configuration version ${point.configurationVersion}`,
  resourceKeys: (config) => [`appconfig ${config.roleArn ?? ''} ${config.region ?? ''} ${config.application}/${config.environment}/${config.configurationProfile}`],
  pointProblems: () => [],
  iam: (config, arn) => {
    const application = `application/${config.application}`;
    const environment = arn('appconfig', `${application}/environment/${config.environment}`);
    const profile = arn('appconfig', `${application}/configurationprofile/${config.configurationProfile}`);
    const deployments = arn('appconfig', `${application}/environment/${config.environment}/deployment/*`);
    const deploymentReason = 'A deployment’s ARN ends in its number, known only once it starts: deployment/* names this environment’s deployments only';
    const readProfile = { actions: ['appconfig:GetConfigurationProfile'], resources: [profile] };
    const list = { actions: ['appconfig:ListDeployments'], resources: [environment] };
    return {
      restore: [
        readProfile,
        list,
        { actions: ['appconfig:StartDeployment'], resources: [environment, profile, arn('appconfig', `deploymentstrategy/${config.deploymentStrategy}`)] },
        { actions: ['appconfig:StopDeployment'], resources: [deployments], wildcardReason: deploymentReason },
      ],
      check: [{ actions: ['appconfig:GetDeployment'], resources: [deployments], wildcardReason: deploymentReason }],
      capture: [readProfile, list],
      readiness: [
        readProfile,
        { actions: ['appconfig:GetHostedConfigurationVersion'], resources: [arn('appconfig', `${application}/configurationprofile/${config.configurationProfile}/hostedconfigurationversion/*`)], wildcardReason: 'The known good’s version number changes with every deployment: hostedconfigurationversion/* names this profile’s versions only' },
      ],
    };
  },
  aws: appConfigDriver,
  sandbox: appConfigTwin,
  demoRestorePoint: (_config, release) => ({ configurationVersion: String(release.number) }),
  recordFlag: {
    flags: '--appconfig-version <version>',
    description: 'the configuration version the AppConfig environment serves now',
    parse: (values) => ({ configurationVersion: values.at(-1)! }),
  },
  scenario: {
    name: 'config-rollback',
    story: 'a bad configuration version ships with the release; the AppConfig environment goes back to the recorded version with the fast strategy, and its deployment must complete on it',
  },
});
