import { defineTarget } from '../target-plugin';
import { ecsServiceDriver } from './aws';
import { describeService, ecsServiceConfigSchema, ecsServiceExpectationSchema, ecsServicePointSchema, familyRevision, taskDefinitionProblems } from './ecs-service-rules';
import { ecsServiceTwin } from './sandbox';

/** An ECS service on rolling updates: back to the recorded task definition, steady before it counts. */
export const ecsServiceTarget = defineTarget({
  type: 'ecs-service',
  title: 'ECS service',
  movesTraffic: true,
  pointIsServedState: true,
  checkName: 'ecs-service',
  configSchema: ecsServiceConfigSchema,
  restorePointSchema: ecsServicePointSchema,
  expectationSchema: ecsServiceExpectationSchema,
  describeConfig: (config) => describeService(config),
  describeRestorePoint: (point) => `task definition ${familyRevision(point.taskDefinition)}`,
  resourceKeys: (config) => [`ecs ${config.roleArn ?? ''} ${config.region ?? ''} ${config.cluster}/${config.service}`],
  pointProblems: (config, point, live) => taskDefinitionProblems(config, point.taskDefinition, live?.taskDefinition),
  iam: (config, arn) => {
    const service = arn('ecs', `service/${config.cluster}/${config.service}`);
    const describe = { actions: ['ecs:DescribeServices'], resources: [service] };
    return {
      restore: [
        { actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: [service] },
        ...(config.passRoleArns ? [{ actions: ['iam:PassRole'], resources: config.passRoleArns, conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }] : []),
      ],
      check: [describe],
      capture: [describe],
      readiness: [
        describe,
        { actions: ['ecs:DescribeTaskDefinition'], resources: ['*'], wildcardReason: 'ecs:DescribeTaskDefinition supports no resource-level permissions (Service Authorization Reference): only "*"; it is read-only' },
      ],
    };
  },
  aws: ecsServiceDriver,
  sandbox: ecsServiceTwin,
  demoRestorePoint: (config, release) => ({ taskDefinition: `${config.service}:${release.number}` }),
  recordFlag: {
    flags: '--task-definition <family:revision>',
    description: 'the task definition the ECS service runs now (family:revision or ARN)',
    parse: (values) => ({ taskDefinition: values.at(-1)! }),
  },
  scenario: {
    name: 'ecs-task-definition',
    story: 'a new task definition makes the ECS service fail; the service goes back to the recorded task definition and must be steady on it',
  },
});
