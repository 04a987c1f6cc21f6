import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import { judgeStage, stageExpectation, type CodePipelineStageConfig, type CodePipelineStageExpectation, type CodePipelineStagePoint } from './codepipeline-stage-rules';

/** The stage in the sandbox: its latest execution, replaced by a rollback execution as RollbackStage would. */
export function codePipelineStageTwin({ slot }: SandboxTwinContext<CodePipelineStagePoint>): TargetDriver<CodePipelineStageConfig, CodePipelineStagePoint, CodePipelineStageExpectation> {
  return {
    async restore({ config, from, to, simulate }) {
      if (simulate) return { outcome: 'would_restore', detail: `would ${from ? `stop execution ${from.executionId} and ` : ''}roll ${config.pipeline}/${config.stage} back to execution ${to.executionId}` };
      const executionId = slot.nextId('rollback');
      slot.value = { executionId };
      return { outcome: 'restored', detail: `stage ${config.stage} rolling back to ${to.executionId} (${executionId})`, expectations: [stageExpectation(config, executionId)] };
    },
    async check(_config, expectation) {
      return judgeStage(expectation, slot.value ? { executionId: slot.value.executionId, status: 'Succeeded' } : { error: `stage ${expectation.stage} is not in the sandbox` });
    },
    async capture() {
      if (!slot.value) throw new Error(`the sandbox has no stage execution in ${slot.environment}`);
      return slot.value;
    },
    async readiness(_config, point) {
      return { ready: true, detail: `execution ${point.executionId} succeeded (sandbox)` };
    },
  };
}
