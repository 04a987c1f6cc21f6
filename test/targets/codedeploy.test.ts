import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { codeDeployTarget } from '../../shared/targets/codedeploy';
import type { TargetRestoreRequest } from '../../shared/targets/target-plugin';
import { describeTargetContract, restoreRequest } from '../helpers/target-contract';

const config = { type: 'codedeploy', application: 'shop', deploymentGroup: 'shop-prod-web', platform: 'ECS' };
const group = 'arn:aws:codedeploy:eu-west-1:123456789012:deploymentgroup:shop/shop-prod-web';

describeTargetContract({
  plugin: codeDeployTarget,
  config,
  bad: { deploymentId: 'd-BAD000002' },
  good: { deploymentId: 'd-GOOD00001' },
  flagValues: ['d-GOOD00001'],
  invalid: { field: 'platform', value: 'Server', problem: 'platform: Invalid option: expected one of "Lambda"|"ECS"' },
  iam: {
    restore: {
      'codedeploy:GetDeployment': [group],
      'codedeploy:GetDeploymentGroup': [group],
      'codedeploy:CreateDeployment': [group],
      'codedeploy:GetDeploymentConfig': ['arn:aws:codedeploy:eu-west-1:123456789012:deploymentconfig:CodeDeployDefault.ECSAllAtOnce'],
      'codedeploy:GetApplicationRevision': ['arn:aws:codedeploy:eu-west-1:123456789012:application:shop'],
      'codedeploy:StopDeployment': ['*'],
    },
    check: { 'codedeploy:GetDeployment': [group] },
    capture: { 'codedeploy:GetDeploymentGroup': [group] },
    readiness: { 'codedeploy:GetDeployment': [group] },
  },
  wildcards: ['codedeploy:StopDeployment'],
});

describe('the CodeDeploy target against AWS (aws-sdk-client-mock)', () => {
  const codeDeployMock = mockClient(CodeDeployClient);
  const driver = codeDeployTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = codeDeployTarget.configSchema.parse(config);
  const appSpec = (taskDefinition: string): RevisionLocation => ({
    revisionType: 'AppSpecContent',
    appSpecContent: { content: JSON.stringify({ Resources: [{ TargetService: { Properties: { TaskDefinition: taskDefinition } } }] }), sha256: `sha-${taskDefinition}` },
  });
  const deployment = (deploymentId: string, status: DeploymentInfo['status'], revision: RevisionLocation, extra: Partial<DeploymentInfo> = {}): DeploymentInfo => ({
    deploymentId,
    status,
    revision,
    applicationName: 'shop',
    deploymentGroupName: 'shop-prod-web',
    ...extra,
  });
  const request = (overrides: Partial<TargetRestoreRequest<typeof parsed, { deploymentId: string }>> = {}) => restoreRequest(parsed, { from: { deploymentId: 'd-BAD000002' }, to: { deploymentId: 'd-GOOD00001' } }, overrides);
  const groupWith = (lastAttempted: string, lastSuccessful: string) =>
    codeDeployMock.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { lastAttemptedDeployment: { deploymentId: lastAttempted }, lastSuccessfulDeployment: { deploymentId: lastSuccessful } } });

  beforeEach(() => {
    codeDeployMock.reset();
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-GOOD00001' }).resolves({ deploymentInfo: deployment('d-GOOD00001', 'Succeeded', appSpec('web:41')) });
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-BAD000002' }).resolves({ deploymentInfo: deployment('d-BAD000002', 'Succeeded', appSpec('web:42')) });
    groupWith('d-BAD000002', 'd-BAD000002');
    codeDeployMock.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-NEW000003' });
  });

  it('is ready while the known good is a succeeded deployment of this group with a revision, and says why not otherwise', async () => {
    expect(await driver.readiness(parsed, { deploymentId: 'd-GOOD00001' })).toEqual({ ready: true, detail: 'deployment d-GOOD00001 succeeded; its revision can be deployed again' });
    expect(codeDeployMock.commandCalls(GetDeploymentCommand)[0]?.args[0].input).toEqual({ deploymentId: 'd-GOOD00001' });
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-GOOD00001' }).resolves({ deploymentInfo: deployment('d-GOOD00001', 'Succeeded', appSpec('admin:1'), { deploymentGroupName: 'admin-tools' }) });
    expect(await driver.readiness(parsed, { deploymentId: 'd-GOOD00001' })).toEqual({ ready: false, detail: 'deployment d-GOOD00001 belongs to shop/admin-tools, not shop/shop-prod-web' });
  });

  it('never deploys another group’s revision into this one: the restore fails, naming whose it is', async () => {
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-GOOD00001' }).resolves({ deploymentInfo: deployment('d-GOOD00001', 'Succeeded', appSpec('admin:1'), { deploymentGroupName: 'admin-tools' }) });

    expect(await driver.restore(request())).toEqual({ outcome: 'failed', detail: 'shop/shop-prod-web: known-good deployment d-GOOD00001 belongs to shop/admin-tools, not this group: refused' });
    expect(codeDeployMock.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('deploys the known good’s revision again, all at once, marked with the run', async () => {
    const result = await driver.restore(request());

    expect(codeDeployMock.commandCalls(GetDeploymentGroupCommand)[0]?.args[0].input).toEqual({ applicationName: 'shop', deploymentGroupName: 'shop-prod-web' });
    expect(codeDeployMock.commandCalls(CreateDeploymentCommand).map((call) => call.args[0].input)).toEqual([
      {
        applicationName: 'shop',
        deploymentGroupName: 'shop-prod-web',
        revision: appSpec('web:41'),
        deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
        description: 'rollback-controller run run-7: production back to 1.9.3 (the revision of d-GOOD00001)',
      },
    ]);
    expect(codeDeployMock.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(result).toEqual({ outcome: 'restored', detail: 'shop/shop-prod-web: deployment d-NEW000003 of the revision of d-GOOD00001', expectations: [{ target: 'codedeploy', deploymentId: 'd-NEW000003' }] });
  });

  it('stops a deployment still in flight with automatic rollback, and expects CodeDeploy’s rollback to succeed', async () => {
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-BAD000002' }).resolves({ deploymentInfo: deployment('d-BAD000002', 'InProgress', appSpec('web:42'), { creator: 'user' }) });
    groupWith('d-BAD000002', 'd-GOOD00001');
    codeDeployMock.on(StopDeploymentCommand).resolves({ status: 'Pending', statusMessage: 'Stopping deployment' });

    const result = await driver.restore(request());

    expect(codeDeployMock.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input)).toEqual([{ deploymentId: 'd-BAD000002', autoRollbackEnabled: true }]);
    expect(codeDeployMock.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(result).toEqual({
      outcome: 'restored',
      detail: 'shop/shop-prod-web: stopped d-BAD000002 with automatic rollback (Pending: Stopping deployment)',
      expectations: [{ target: 'codedeploy', rollbackOf: 'd-BAD000002' }],
    });
  });

  it('a resumed run finds the deployment it already created and waits for it instead of deploying twice', async () => {
    groupWith('d-NEW000003', 'd-BAD000002');
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-NEW000003' }).resolves({
      deploymentInfo: deployment('d-NEW000003', 'InProgress', appSpec('web:41'), { description: 'rollback-controller run run-7: production back to 1.9.3 (the revision of d-GOOD00001)' }),
    });

    const result = await driver.restore(request({ resumed: true }));

    expect(codeDeployMock.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(codeDeployMock.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(result).toMatchObject({ outcome: 'restored', expectations: [{ deploymentId: 'd-NEW000003' }] });
  });

  it('leaves a rollback CodeDeploy is already running alone, and waits for it', async () => {
    groupWith('d-RB0000004', 'd-BAD000002');
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-RB0000004' }).resolves({ deploymentInfo: deployment('d-RB0000004', 'InProgress', appSpec('web:41'), { creator: 'codeDeployRollback' }) });

    const result = await driver.restore(request());

    expect(codeDeployMock.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(codeDeployMock.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(result).toMatchObject({ outcome: 'unchanged', expectations: [{ deploymentId: 'd-RB0000004' }] });
  });

  it('changes nothing when the live deployment already runs the known good’s revision', async () => {
    groupWith('d-RB0000004', 'd-RB0000004');
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-RB0000004' }).resolves({ deploymentInfo: deployment('d-RB0000004', 'Succeeded', appSpec('web:41'), { creator: 'codeDeployRollback' }) });

    expect(await driver.restore(request())).toEqual({
      outcome: 'unchanged',
      detail: 'shop/shop-prod-web: d-RB0000004 already runs the revision of d-GOOD00001',
      expectations: [{ target: 'codedeploy', deploymentId: 'd-RB0000004' }],
    });
  });

  it('in a drill reads the deployments and starts nothing', async () => {
    expect(await driver.restore(request({ simulate: true }))).toEqual({
      outcome: 'would_restore',
      detail: 'would deploy the revision of d-GOOD00001 to shop/shop-prod-web again (CodeDeployDefault.ECSAllAtOnce), replacing d-BAD000002',
    });
    expect(codeDeployMock.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('fails, deploying nothing, when the known good deployment cannot be read', async () => {
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-GOOD00001' }).rejects(Object.assign(new Error('Deployment d-GOOD00001 does not exist'), { name: 'DeploymentDoesNotExistException' }));

    expect(await driver.restore(request())).toEqual({ outcome: 'failed', detail: 'shop/shop-prod-web: cannot read the deployments: DeploymentDoesNotExistException: Deployment d-GOOD00001 does not exist' });
    expect(codeDeployMock.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('checks the deployment until it Succeeded, and calls a Failed one final', async () => {
    codeDeployMock
      .on(GetDeploymentCommand, { deploymentId: 'd-NEW000003' })
      .resolvesOnce({ deploymentInfo: deployment('d-NEW000003', 'InProgress', appSpec('web:41')) })
      .resolvesOnce({ deploymentInfo: deployment('d-NEW000003', 'Succeeded', appSpec('web:41')) })
      .resolves({ deploymentInfo: deployment('d-NEW000003', 'Failed', appSpec('web:41')) });
    const expectation = { target: 'codedeploy' as const, deploymentId: 'd-NEW000003' };

    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'deployment d-NEW000003 is InProgress', inconclusive: true });
    expect(await driver.check(parsed, expectation)).toEqual({ passed: true, detail: 'deployment d-NEW000003 Succeeded' });
    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'deployment d-NEW000003 is Failed', isFinal: true });
    expect(codeDeployMock.commandCalls(GetDeploymentCommand)[0]?.args[0].input).toEqual({ deploymentId: 'd-NEW000003' });
  });

  it('follows a stopped deployment to the rollback CodeDeploy started for it', async () => {
    codeDeployMock
      .on(GetDeploymentCommand, { deploymentId: 'd-BAD000002' })
      .resolvesOnce({ deploymentInfo: deployment('d-BAD000002', 'Stopped', appSpec('web:42')) })
      .resolves({ deploymentInfo: deployment('d-BAD000002', 'Stopped', appSpec('web:42'), { rollbackInfo: { rollbackDeploymentId: 'd-RB0000004' } }) });
    codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-RB0000004' }).resolves({ deploymentInfo: deployment('d-RB0000004', 'Succeeded', appSpec('web:41')) });
    const expectation = { target: 'codedeploy' as const, rollbackOf: 'd-BAD000002' };

    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'waiting for CodeDeploy to start rolling back d-BAD000002', inconclusive: true });
    expect(await driver.check(parsed, expectation)).toEqual({ passed: true, detail: 'deployment d-RB0000004 Succeeded' });
  });

  it('captures the group’s last successful deployment', async () => {
    expect(await driver.capture(parsed, {})).toEqual({ deploymentId: 'd-BAD000002' });
  });
});
