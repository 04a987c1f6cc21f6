import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import { changeSetNameFor, describeStack, judgeStack, type CloudFormationStackConfig, type CloudFormationStackExpectation, type CloudFormationStackPoint } from './cloudformation-stack-rules';

/**
 * The stack in the sandbox: the template it runs; a change set executes at once. With the scenario's
 * fault its change set would replace a table: refused for a person, never executed.
 */
export function cloudFormationStackTwin({ slot, fault }: SandboxTwinContext<CloudFormationStackPoint>): TargetDriver<CloudFormationStackConfig, CloudFormationStackPoint, CloudFormationStackExpectation> {
  return {
    async restore({ config, to, runId, simulate }) {
      const name = describeStack(config);
      const changeSet = changeSetNameFor(runId, simulate);
      const move = `${name} ${slot.value?.templateHash.slice(0, 12) ?? '?'} -> ${to.templateHash.slice(0, 12)}`;
      if (fault) {
        const unsafe = `change set ${changeSet} would ${fault}`;
        if (simulate) return { outcome: 'failed', detail: `${name}: a real restore would stop here: ${unsafe} (deleted; nothing executed)` };
        return { outcome: 'failed', detail: `${name}: refused: ${unsafe} — kept for review, never executed; a person decides`, needsPerson: true };
      }
      if (simulate) return { outcome: 'would_restore', detail: `would update ${move} (change set ${changeSet} reviewed and deleted)` };
      slot.value = to;
      return { outcome: 'restored', detail: `updating ${move} (change set ${changeSet}: no stateful resource replaced)`, expectations: [{ target: 'cloudformation-stack', stack: config.stackName, templateHash: to.templateHash }] };
    },
    async check(_config, expectation) {
      return judgeStack(expectation, { status: 'UPDATE_COMPLETE', templateHash: slot.value?.templateHash });
    },
    async capture() {
      if (!slot.value) throw new Error(`the sandbox has no CloudFormation stack in ${slot.environment}`);
      return slot.value;
    },
    async readiness(_config, point) {
      return { ready: true, detail: `template ${point.templateHash.slice(0, 12)} is kept (sandbox)` };
    },
  };
}
