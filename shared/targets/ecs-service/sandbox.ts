import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import { describeService, familyRevision, judgeService, taskDefinitionProblems, type EcsServiceConfig, type EcsServiceExpectation, type EcsServicePoint } from './ecs-service-rules';

/** The service in the sandbox: the task definition it runs; a rollout completes at once with two tasks. */
export function ecsServiceTwin({ slot }: SandboxTwinContext<EcsServicePoint>): TargetDriver<EcsServiceConfig, EcsServicePoint, EcsServiceExpectation> {
  return {
    async restore({ config, to, simulate }) {
      const foreign = taskDefinitionProblems(config, to.taskDefinition, slot.value?.taskDefinition);
      if (foreign.length > 0) return { outcome: 'failed', detail: `${describeService(config)}: refused: ${foreign.join('; ')}` };
      const move = `${describeService(config)} ${familyRevision(slot.value?.taskDefinition) ?? '?'} -> ${familyRevision(to.taskDefinition)}`;
      if (simulate) return { outcome: 'would_restore', detail: `would update ${move}` };
      slot.value = { taskDefinition: to.taskDefinition };
      return { outcome: 'restored', detail: `updated ${move}`, expectations: [{ target: 'ecs-service', service: `${config.cluster}/${config.service}`, taskDefinition: to.taskDefinition }] };
    },
    async check(_config, expectation) {
      return judgeService(expectation, { deployments: [{ status: 'PRIMARY', taskDefinition: slot.value?.taskDefinition, desiredCount: 2, runningCount: 2, rolloutState: 'COMPLETED' }] });
    },
    async capture() {
      if (!slot.value) throw new Error(`the sandbox has no ECS service in ${slot.environment}`);
      return slot.value;
    },
    async readiness(_config, point) {
      return { ready: true, detail: `task definition ${familyRevision(point.taskDefinition)} is ACTIVE (sandbox)` };
    },
  };
}
