import { defineTarget } from '../target-plugin';
import { codeDeployDriver } from './aws';
import { codeDeployConfigSchema, codeDeployExpectationSchema, codeDeployPointSchema, deploymentConfigOf, describeGroup } from './codedeploy-rules';
import { codeDeployTwin } from './sandbox';

/** A CodeDeploy deployment group: stop an in-flight deployment with rollback, or deploy the known good's revision again. */
export const codeDeployTarget = defineTarget({
  type: 'codedeploy',
  title: 'CodeDeploy deployment group',
  movesTraffic: true,
  // A deployment id: every redeploy of the known good's revision is a new deployment.
  pointIsServedState: false,
  checkName: 'codedeploy',
  configSchema: codeDeployConfigSchema,
  restorePointSchema: codeDeployPointSchema,
  expectationSchema: codeDeployExpectationSchema,
  describeConfig: (config) => `CodeDeploy ${config.platform} group ${describeGroup(config)}`,
  describeRestorePoint: (point) => `deployment ${point.deploymentId}`,
  resourceKeys: (config) => [`codedeploy ${config.roleArn ?? ''} ${config.region ?? ''} ${describeGroup(config)}`],
  // A deployment id names no group: the restore reads the deployment and refuses one of another group.
  pointProblems: () => [],
  iam: (config, arn) => {
    const group = arn('codedeploy', `deploymentgroup:${config.application}/${config.deploymentGroup}`);
    return {
      restore: [
        { actions: ['codedeploy:GetDeployment', 'codedeploy:GetDeploymentGroup', 'codedeploy:CreateDeployment'], resources: [group] },
        // CreateDeployment also reads the deployment configuration and the application's revision.
        { actions: ['codedeploy:GetDeploymentConfig'], resources: [arn('codedeploy', `deploymentconfig:${deploymentConfigOf(config)}`)] },
        { actions: ['codedeploy:GetApplicationRevision'], resources: [arn('codedeploy', `application:${config.application}`)] },
        { actions: ['codedeploy:StopDeployment'], resources: ['*'], wildcardReason: 'StopDeployment supports no resource-level permissions (Service Authorization Reference): only "*"' },
      ],
      check: [{ actions: ['codedeploy:GetDeployment'], resources: [group] }],
      capture: [{ actions: ['codedeploy:GetDeploymentGroup'], resources: [group] }],
      readiness: [{ actions: ['codedeploy:GetDeployment'], resources: [group] }],
    };
  },
  aws: codeDeployDriver,
  sandbox: codeDeployTwin,
  demoRestorePoint: (_config, release) => ({ deploymentId: `d-DEMO${String(release.number).padStart(5, '0')}` }),
  recordFlag: {
    flags: '--codedeploy-deployment <id>',
    description: 'the CodeDeploy deployment that put the version live (d-…)',
    parse: (values) => ({ deploymentId: values.at(-1)! }),
  },
  scenario: {
    name: 'codedeploy-redeploy',
    story: 'a CodeDeploy release turns bad after it finished; the known good’s revision is deployed again and the validator waits for that deployment to succeed',
  },
});
