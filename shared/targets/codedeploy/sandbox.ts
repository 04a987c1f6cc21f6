import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import { describeGroup, judgeDeployment, type CodeDeployConfig, type CodeDeployExpectation, type CodeDeployPoint } from './codedeploy-rules';

/** The deployment group in the sandbox: the deployment live in it; a redeploy succeeds at once. */
export function codeDeployTwin({ slot }: SandboxTwinContext<CodeDeployPoint>): TargetDriver<CodeDeployConfig, CodeDeployPoint, CodeDeployExpectation> {
  return {
    async restore({ config, to, simulate }) {
      if (simulate) return { outcome: 'would_restore', detail: `would deploy the revision of ${to.deploymentId} to ${describeGroup(config)} again` };
      // Deployment ids as CodeDeploy issues them: d- and nine characters.
      const deploymentId = `d-SBX${slot.nextId('deployment').split('-').pop()!.padStart(6, '0')}`;
      slot.value = { deploymentId };
      return { outcome: 'restored', detail: `${describeGroup(config)}: deployment ${deploymentId} of the revision of ${to.deploymentId}`, expectations: [{ target: 'codedeploy', deploymentId }] };
    },
    async check(_config, expectation) {
      const live = slot.value?.deploymentId;
      if (live === expectation.deploymentId) return judgeDeployment(expectation, { deploymentId: live, status: 'Succeeded' });
      return { passed: false, detail: `deployment ${expectation.deploymentId} is not live in the sandbox (${live ?? 'none'} is)` };
    },
    async capture() {
      if (!slot.value) throw new Error(`the sandbox has no CodeDeploy deployment in ${slot.environment}`);
      return slot.value;
    },
    async readiness(_config, point) {
      return { ready: true, detail: `deployment ${point.deploymentId} succeeded (sandbox)` };
    },
  };
}
