import { AppConfigClient, GetConfigurationProfileCommand, GetDeploymentCommand, GetHostedConfigurationVersionCommand, ListDeploymentsCommand, StartDeploymentCommand, StopDeploymentCommand, type DeploymentSummary } from '@aws-sdk/client-appconfig';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { appConfigTarget } from '../../shared/targets/appconfig';
import { awsClientFactory } from '../../shared/targets/client-factory';
import type { TargetRestoreRequest } from '../../shared/targets/target-plugin';
import { describeTargetContract, restoreRequest } from '../helpers/target-contract';

const config = { type: 'appconfig', application: 'abc1234', environment: 'prd5678', configurationProfile: 'cfg0001', deploymentStrategy: 'AppConfig.AllAtOnce' };
const app = 'arn:aws:appconfig:eu-west-1:123456789012:application/abc1234';

describeTargetContract({
  plugin: appConfigTarget,
  config,
  bad: { configurationVersion: '8' },
  good: { configurationVersion: '7' },
  flagValues: ['7'],
  invalid: { field: 'environment', value: 'Production', problem: 'environment: must be an AppConfig environment ID' },
  iam: {
    restore: {
      'appconfig:GetConfigurationProfile': [`${app}/configurationprofile/cfg0001`],
      'appconfig:ListDeployments': [`${app}/environment/prd5678`],
      'appconfig:StartDeployment': [`${app}/environment/prd5678`, `${app}/configurationprofile/cfg0001`, 'arn:aws:appconfig:eu-west-1:123456789012:deploymentstrategy/AppConfig.AllAtOnce'],
      'appconfig:StopDeployment': [`${app}/environment/prd5678/deployment/*`],
    },
    check: { 'appconfig:GetDeployment': [`${app}/environment/prd5678/deployment/*`] },
    capture: { 'appconfig:GetConfigurationProfile': [`${app}/configurationprofile/cfg0001`], 'appconfig:ListDeployments': [`${app}/environment/prd5678`] },
    readiness: { 'appconfig:GetConfigurationProfile': [`${app}/configurationprofile/cfg0001`], 'appconfig:GetHostedConfigurationVersion': [`${app}/configurationprofile/cfg0001/hostedconfigurationversion/*`] },
  },
  wildcards: ['appconfig:StopDeployment', 'appconfig:GetDeployment', 'appconfig:GetHostedConfigurationVersion'],
});

describe('the AppConfig target against AWS (aws-sdk-client-mock)', () => {
  const appConfigMock = mockClient(AppConfigClient);
  const driver = appConfigTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = appConfigTarget.configSchema.parse(config);
  const request = (overrides: Partial<TargetRestoreRequest<typeof parsed, { configurationVersion: string }>> = {}) => restoreRequest(parsed, { to: { configurationVersion: '7' } }, overrides);
  const deployment = (number: number, version: string, state: string, name = 'checkout-flags'): DeploymentSummary => ({ DeploymentNumber: number, ConfigurationName: name, ConfigurationVersion: version, State: state as never });
  const deployments = (...items: DeploymentSummary[]) => appConfigMock.on(ListDeploymentsCommand).resolves({ Items: items });
  const ids = { ApplicationId: 'abc1234', EnvironmentId: 'prd5678' };

  beforeEach(() => {
    appConfigMock.reset();
    appConfigMock.on(GetConfigurationProfileCommand).resolves({ Name: 'checkout-flags', LocationUri: 'hosted' });
    appConfigMock.on(StartDeploymentCommand).resolves({ DeploymentNumber: 12 });
  });

  it('deploys the known good version with the configured strategy when the bad one completed', async () => {
    deployments(deployment(11, '8', 'COMPLETE'), deployment(10, '3', 'COMPLETE', 'other-profile'), deployment(9, '7', 'COMPLETE'));

    const result = await driver.restore(request());

    expect(appConfigMock.commandCalls(ListDeploymentsCommand)[0]?.args[0].input).toEqual({ ...ids, MaxResults: 50 });
    expect(appConfigMock.commandCalls(StartDeploymentCommand).map((call) => call.args[0].input)).toEqual([
      { ...ids, DeploymentStrategyId: 'AppConfig.AllAtOnce', ConfigurationProfileId: 'cfg0001', ConfigurationVersion: '7', Description: 'rollback-controller run run-7: back to 1.9.3 (good-1)' },
    ]);
    expect(appConfigMock.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(result).toEqual({
      outcome: 'restored',
      detail: 'configuration profile cfg0001 in AppConfig environment abc1234/prd5678: deploying version 7 with AppConfig.AllAtOnce (deployment #12)',
      expectations: [{ target: 'appconfig', application: 'abc1234', environment: 'prd5678', deploymentNumber: 12, version: '7' }],
    });
  });

  it('stops the bad version’s deployment while it is DEPLOYING, and deploys nothing when that puts the known good back', async () => {
    deployments(deployment(11, '8', 'DEPLOYING'), deployment(9, '7', 'COMPLETE'));

    const result = await driver.restore(request());

    expect(appConfigMock.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input)).toEqual([{ ...ids, DeploymentNumber: 11 }]);
    expect(appConfigMock.commandCalls(StartDeploymentCommand)).toHaveLength(0);
    expect(result).toMatchObject({ outcome: 'restored', expectations: [{ deploymentNumber: 11, version: '7', stopped: true }] });
  });

  it('stops a deployment still BAKING with AllowRevert, then deploys the known good when the version before was not it', async () => {
    deployments(deployment(11, '8', 'BAKING'), deployment(10, '6', 'COMPLETE'));

    const result = await driver.restore(request());

    expect(appConfigMock.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input)).toEqual([{ ...ids, DeploymentNumber: 11, AllowRevert: true }]);
    expect(appConfigMock.commandCalls(StartDeploymentCommand)).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'restored', expectations: [{ deploymentNumber: 12, version: '7' }] });
  });

  it('a resumed run finding the known good deploying changes nothing', async () => {
    deployments(deployment(12, '7', 'DEPLOYING'), deployment(11, '8', 'COMPLETE'));

    expect(await driver.restore(request({ resumed: true }))).toMatchObject({ outcome: 'unchanged', expectations: [{ deploymentNumber: 12, version: '7' }] });
    expect(appConfigMock.commandCalls(StartDeploymentCommand)).toHaveLength(0);
  });

  it('fails, starting nothing, while another profile deploys in the environment', async () => {
    deployments(deployment(12, '4', 'DEPLOYING', 'other-profile'), deployment(11, '8', 'COMPLETE'));

    expect(await driver.restore(request())).toEqual({ outcome: 'failed', detail: 'configuration profile cfg0001 in AppConfig environment abc1234/prd5678: deployment #12 of other-profile is DEPLOYING in the environment: AppConfig deploys one at a time' });
    expect(appConfigMock.commandCalls(StartDeploymentCommand)).toHaveLength(0);
  });

  it('in a drill reads the deployments and starts or stops nothing', async () => {
    deployments(deployment(11, '8', 'COMPLETE'));

    expect(await driver.restore(request({ simulate: true }))).toEqual({ outcome: 'would_restore', detail: 'would deploy version 7 with strategy AppConfig.AllAtOnce (now 8)' });
    expect(appConfigMock.commandCalls(StartDeploymentCommand)).toHaveLength(0);
    expect(appConfigMock.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it('passes when the deployment completes on the known good; a deployment AppConfig rolled back is final', async () => {
    const expectation = { target: 'appconfig' as const, application: 'abc1234', environment: 'prd5678', deploymentNumber: 12, version: '7' };
    appConfigMock.on(GetDeploymentCommand).resolves({ DeploymentNumber: 12, ConfigurationVersion: '7', State: 'DEPLOYING', PercentageComplete: 50 });
    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'deployment #12 in abc1234/prd5678 of version 7 is DEPLOYING (50%)', inconclusive: true });
    expect(appConfigMock.commandCalls(GetDeploymentCommand)[0]?.args[0].input).toEqual({ ...ids, DeploymentNumber: 12 });

    appConfigMock.on(GetDeploymentCommand).resolves({ DeploymentNumber: 12, ConfigurationVersion: '7', State: 'COMPLETE' });
    expect(await driver.check(parsed, expectation)).toEqual({ passed: true, detail: 'deployment #12 in abc1234/prd5678 completed on version 7' });

    appConfigMock.on(GetDeploymentCommand).resolves({ DeploymentNumber: 12, ConfigurationVersion: '7', State: 'ROLLED_BACK' });
    expect(await driver.check(parsed, expectation)).toMatchObject({ passed: false, isFinal: true });
  });

  it('captures the version of the profile’s newest completed deployment, reading the profile’s name once per container', async () => {
    deployments(deployment(12, '9', 'DEPLOYING'), deployment(11, '4', 'COMPLETE', 'other-profile'), deployment(10, '8', 'COMPLETE'));
    const fresh = appConfigTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));

    expect(await fresh.capture(parsed, {})).toEqual({ configurationVersion: '8' });
    expect(await fresh.capture(parsed, {})).toEqual({ configurationVersion: '8' });
    expect(appConfigMock.commandCalls(GetConfigurationProfileCommand).map((call) => call.args[0].input)).toEqual([{ ApplicationId: 'abc1234', ConfigurationProfileId: 'cfg0001' }]);
  });

  it('is ready while the hosted version exists, and not once it was deleted', async () => {
    appConfigMock.on(GetHostedConfigurationVersionCommand).resolves({ VersionNumber: 7 });
    expect(await driver.readiness(parsed, { configurationVersion: '7' })).toEqual({ ready: true, detail: 'hosted configuration version 7 exists' });
    expect(appConfigMock.commandCalls(GetHostedConfigurationVersionCommand)[0]?.args[0].input).toEqual({ ApplicationId: 'abc1234', ConfigurationProfileId: 'cfg0001', VersionNumber: 7 });
    appConfigMock.on(GetHostedConfigurationVersionCommand).rejects(Object.assign(new Error('Version 7 not found'), { name: 'ResourceNotFoundException' }));
    expect(await driver.readiness(parsed, { configurationVersion: '7' })).toEqual({ ready: false, detail: 'cannot read configuration version 7: ResourceNotFoundException: Version 7 not found' });
  });
});
