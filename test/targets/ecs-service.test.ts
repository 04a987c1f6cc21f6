import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, UpdateServiceCommand, type Deployment, type Service } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { ecsServiceTarget } from '../../shared/targets/ecs-service';
import type { TargetRestoreRequest } from '../../shared/targets/target-plugin';
import { describeTargetContract, restoreRequest } from '../helpers/target-contract';

const TASK_ROLE = 'arn:aws:iam::123456789012:role/shop-prod-web-task';
const config = { type: 'ecs-service', cluster: 'shop-prod', service: 'web', passRoleArns: [TASK_ROLE] };
const service = 'arn:aws:ecs:eu-west-1:123456789012:service/shop-prod/web';
const taskDefinition = (revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:${revision}`;

describeTargetContract({
  plugin: ecsServiceTarget,
  config,
  bad: { taskDefinition: taskDefinition(42) },
  good: { taskDefinition: taskDefinition(41) },
  flagValues: [taskDefinition(41)],
  invalid: { field: 'cluster', value: 'shop prod', problem: 'cluster: must be an ECS cluster name' },
  iam: {
    restore: { 'ecs:DescribeServices': [service], 'ecs:UpdateService': [service], 'iam:PassRole': [TASK_ROLE] },
    check: { 'ecs:DescribeServices': [service] },
    capture: { 'ecs:DescribeServices': [service] },
    readiness: { 'ecs:DescribeServices': [service], 'ecs:DescribeTaskDefinition': ['*'] },
  },
  conditions: { 'iam:PassRole': { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } },
  wildcards: ['ecs:DescribeTaskDefinition'],
});

describe('the ECS service target against AWS (aws-sdk-client-mock)', () => {
  const ecsMock = mockClient(ECSClient);
  const driver = ecsServiceTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = ecsServiceTarget.configSchema.parse(config);
  const deployment = (status: string, revision: number, counts: Partial<Deployment> = {}): Deployment => ({
    id: `ecs-svc/${revision}`,
    status,
    taskDefinition: taskDefinition(revision),
    desiredCount: 2,
    runningCount: 2,
    rolloutState: 'COMPLETED',
    ...counts,
  });
  const running = (revision: number, deployments: Deployment[] = [deployment('PRIMARY', revision)], extra: Partial<Service> = {}) =>
    ecsMock.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'web', taskDefinition: taskDefinition(revision), deployments, deploymentController: { type: 'ECS' }, ...extra }], failures: [] });
  const request = (overrides: Partial<TargetRestoreRequest<typeof parsed, { taskDefinition: string }>> = {}) => restoreRequest(parsed, { to: { taskDefinition: taskDefinition(41) } }, overrides);
  const expectation = { target: 'ecs-service' as const, service: 'shop-prod/web', taskDefinition: taskDefinition(41) };

  beforeEach(() => {
    ecsMock.reset();
    running(42);
    ecsMock.on(UpdateServiceCommand).resolves({ service: { serviceName: 'web', taskDefinition: taskDefinition(41) } });
  });

  it('updates the service back to the recorded task definition', async () => {
    const result = await driver.restore(request());

    expect(ecsMock.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({ cluster: 'shop-prod', services: ['web'] });
    expect(ecsMock.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input)).toEqual([{ cluster: 'shop-prod', service: 'web', taskDefinition: taskDefinition(41) }]);
    expect(result).toEqual({ outcome: 'restored', detail: 'updated service shop-prod/web shop-web:42 -> shop-web:41', expectations: [expectation] });
  });

  it.each([
    ['another account', 'arn:aws:ecs:eu-west-1:999999999999:task-definition/shop-web:1', 'task definition shop-web:1 is in account 999999999999, not the service\'s (123456789012)'],
    ['another family', 'admin-tools:1', 'task definition family admin-tools is not the family service shop-prod/web runs (shop-web)'],
    ['another region', 'arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:40', 'task definition shop-web:40 is in us-east-1, not the service\'s region (eu-west-1)'],
  ])('never deploys a task definition of %s into the service: the restore fails, naming why', async (_, foreign, why) => {
    const result = await driver.restore(request({ to: { taskDefinition: foreign } }));

    expect(result).toEqual({ outcome: 'failed', detail: `service shop-prod/web: refused: ${why}` });
    expect(ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('is ready while the known good’s task definition is ACTIVE, and not once it was deregistered', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: taskDefinition(41), status: 'ACTIVE' } });
    expect(await driver.readiness(parsed, { taskDefinition: taskDefinition(41) })).toEqual({ ready: true, detail: 'task definition shop-web:41 is ACTIVE' });
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input).toEqual({ taskDefinition: taskDefinition(41) });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: taskDefinition(41), status: 'INACTIVE' } });
    expect(await driver.readiness(parsed, { taskDefinition: taskDefinition(41) })).toEqual({ ready: false, detail: 'task definition shop-web:41 is INACTIVE, not ACTIVE: the service cannot be put back on it' });
  });

  it('a resumed run finding the service already on it changes nothing', async () => {
    running(41);

    expect(await driver.restore(request({ resumed: true }))).toEqual({ outcome: 'unchanged', detail: 'service shop-prod/web already runs shop-web:41', expectations: [expectation] });
    expect(ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('refuses a service another controller deploys, naming the target to use instead', async () => {
    running(42, [deployment('PRIMARY', 42)], { deploymentController: { type: 'CODE_DEPLOY' } });

    expect(await driver.restore(request())).toEqual({ outcome: 'failed', detail: 'service shop-prod/web: it is deployed by CODE_DEPLOY, not ECS: restore it with a codedeploy target' });
    expect(ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('fails, changing nothing, for a service ECS does not find', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: service, reason: 'MISSING' }] });

    expect(await driver.restore(request())).toEqual({ outcome: 'failed', detail: 'service shop-prod/web: cannot read it: Error: service shop-prod/web: MISSING' });
  });

  it('in a drill reads the service and updates nothing', async () => {
    expect(await driver.restore(request({ simulate: true }))).toEqual({ outcome: 'would_restore', detail: 'would update service shop-prod/web shop-web:42 -> shop-web:41' });
    expect(ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('waits until the service is steady on the task definition: rolled out, every task running, the old deployment gone', async () => {
    running(41, [deployment('PRIMARY', 41, { runningCount: 1, rolloutState: 'IN_PROGRESS' }), deployment('ACTIVE', 42)]);
    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'the rollout of shop-web:41 is IN_PROGRESS', inconclusive: true });

    running(41, [deployment('PRIMARY', 41), deployment('ACTIVE', 42, { runningCount: 1 })]);
    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: '1 older deployment(s) still draining', inconclusive: true });

    running(41);
    expect(await driver.check(parsed, expectation)).toEqual({ passed: true, detail: 'shop-prod/web steady on shop-web:41 (2 task(s))' });
  });

  it('calls a failed rollout final, with ECS’s reason', async () => {
    running(41, [deployment('PRIMARY', 41, { rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' })]);

    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'the rollout of shop-web:41 FAILED: ECS deployment circuit breaker: tasks failed to start.', isFinal: true });
  });

  it('captures the task definition the service runs', async () => {
    expect(await driver.capture(parsed, {})).toEqual({ taskDefinition: taskDefinition(42) });
  });
});
