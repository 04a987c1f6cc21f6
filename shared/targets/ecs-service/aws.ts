import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import type { ClientFactory } from '../client-factory';
import type { TargetDriver } from '../target-plugin';
import {
  describeService,
  familyRevision,
  judgeService,
  taskDefinitionProblems,
  type EcsServiceConfig,
  type EcsServiceExpectation,
  type EcsServicePoint,
  type EcsServiceReading,
} from './ecs-service-rules';

const ecsSdk = loadOnce(() => import('@aws-sdk/client-ecs'));

/** An ECS service (rolling update): UpdateService back to the recorded task definition. */
export function ecsServiceDriver(clients: ClientFactory): TargetDriver<EcsServiceConfig, EcsServicePoint, EcsServiceExpectation> {
  const ecs = async (config: EcsServiceConfig): Promise<ECSClient> => clients.client((await ecsSdk()).ECSClient, config);

  const readService = async (config: EcsServiceConfig): Promise<Service> => {
    const { DescribeServicesCommand } = await ecsSdk();
    const result = await (await ecs(config)).send(new DescribeServicesCommand({ cluster: config.cluster, services: [config.service] }));
    const service = result.services?.[0];
    if (!service) throw new Error(`${describeService(config)}: ${result.failures?.[0]?.reason ?? 'not found'}`);
    return service;
  };

  return {
    async restore({ config, to, simulate }) {
      const fail = (detail: string) => ({ outcome: 'failed' as const, detail: `${describeService(config)}: ${detail}` });
      const expectations = [{ target: 'ecs-service' as const, service: `${config.cluster}/${config.service}`, taskDefinition: to.taskDefinition }];
      let service: Service;
      try {
        service = await readService(config);
      } catch (error) {
        return fail(`cannot read it: ${errorLine(error)}`);
      }
      // A task definition of another family or account is never put into this service.
      const foreign = taskDefinitionProblems(config, to.taskDefinition, service.taskDefinition);
      if (foreign.length > 0) return fail(`refused: ${foreign.join('; ')}`);
      const controller = service.deploymentController?.type ?? 'ECS';
      // UpdateService cannot change the task definition of a service another controller deploys.
      if (controller !== 'ECS') return fail(`it is deployed by ${controller}, not ECS: restore it with a codedeploy target`);
      const move = `${describeService(config)} ${familyRevision(service.taskDefinition) ?? '?'} -> ${familyRevision(to.taskDefinition)}`;
      // A resumed run, or a person, may already have moved it back.
      if (familyRevision(service.taskDefinition) === familyRevision(to.taskDefinition)) return { outcome: 'unchanged', detail: `${describeService(config)} already runs ${familyRevision(to.taskDefinition)}`, expectations };
      if (simulate) return { outcome: 'would_restore', detail: `would update ${move}` };
      try {
        const { UpdateServiceCommand } = await ecsSdk();
        await (await ecs(config)).send(new UpdateServiceCommand({ cluster: config.cluster, service: config.service, taskDefinition: to.taskDefinition }));
        return { outcome: 'restored', detail: `updated ${move}`, expectations };
      } catch (error) {
        return fail(`cannot update it to ${to.taskDefinition}: ${errorLine(error)}`);
      }
    },

    async check(config, expectation) {
      const reading: EcsServiceReading = { deployments: [] };
      try {
        reading.deployments = (await readService(config)).deployments ?? [];
      } catch (error) {
        reading.error = `cannot read ${describeService(config)}: ${errorLine(error)}`;
      }
      return judgeService(expectation, reading);
    },

    /** UpdateService takes only an ACTIVE task definition (an INACTIVE one can no longer start tasks). */
    async readiness(config, point) {
      try {
        const { DescribeTaskDefinitionCommand } = await ecsSdk();
        const { taskDefinition } = await (await ecs(config)).send(new DescribeTaskDefinitionCommand({ taskDefinition: point.taskDefinition }));
        const name = familyRevision(point.taskDefinition);
        return taskDefinition?.status === 'ACTIVE' ? { ready: true, detail: `task definition ${name} is ACTIVE` } : { ready: false, detail: `task definition ${name} is ${taskDefinition?.status ?? 'unknown'}, not ACTIVE: the service cannot be put back on it` };
      } catch (error) {
        return { ready: false, detail: `cannot read task definition ${familyRevision(point.taskDefinition)}: ${errorLine(error)}` };
      }
    },

    async capture(config) {
      const { taskDefinition } = await readService(config);
      if (!taskDefinition) throw new Error(`${describeService(config)} reports no task definition`);
      return { taskDefinition };
    },
  };
}
