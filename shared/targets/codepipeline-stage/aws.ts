import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import type { ClientFactory } from '../client-factory';
import type { TargetDriver, TargetRestoreResult } from '../target-plugin';
import {
  judgeStage,
  stageExpectation,
  type CodePipelineStageConfig,
  type CodePipelineStageExpectation,
  type CodePipelineStagePoint,
  type StageReading,
} from './codepipeline-stage-rules';

/** Loaded on the first pipeline restore, after the alias update: off the cold start. */
const codePipelineSdk = loadOnce(() => import('@aws-sdk/client-codepipeline'));

export interface CodePipelineStageOptions {
  /** Waits between ConflictException retries; injected so tests do not wait. */
  sleep?: (milliseconds: number) => Promise<void>;
  conflictRetryDelaysMs?: readonly number[];
}

const realSleep = (milliseconds: number) => new Promise<void>((resume) => setTimeout(resume, milliseconds));

async function readStage(codePipeline: CodePipelineClient, pipeline: string, stage: string): Promise<StageReading> {
  const { GetPipelineStateCommand } = await codePipelineSdk();
  try {
    const state = await codePipeline.send(new GetPipelineStateCommand({ name: pipeline }));
    const found = state.stageStates?.find((candidate) => candidate.stageName === stage);
    if (!found) return { error: `stage ${stage} not found in pipeline ${pipeline}` };
    return { executionId: found.latestExecution?.pipelineExecutionId, status: found.latestExecution?.status };
  } catch (error) {
    return { error: `${errorLine(error)}` };
  }
}

/**
 * Stops the bad version's in-flight execution (so it goes no further) and rolls the stage back to
 * the known-good execution (CodePipeline V2 RollbackStage). Not a traffic target: a refusal after
 * the alias moved traffic back is a warning.
 */
export function codePipelineStageDriver(clients: ClientFactory, options: CodePipelineStageOptions = {}): TargetDriver<CodePipelineStageConfig, CodePipelineStagePoint, CodePipelineStageExpectation> {
  const sleep = options.sleep ?? realSleep;
  const retryDelays = options.conflictRetryDelaysMs ?? [1_000, 2_000, 4_000];
  const client = async (config: CodePipelineStageConfig) => clients.client((await codePipelineSdk()).CodePipelineClient, config);
  return {
    async restore({ config, from, to, reason, simulate, resumed }) {
      const { pipeline, stage } = config;
      const fail = (detail: string): TargetRestoreResult<CodePipelineStageExpectation> => ({ outcome: 'failed', detail: `${pipeline}/${stage}: ${detail}` });
      const restored = (detail: string, executionId: string | undefined): TargetRestoreResult<CodePipelineStageExpectation> => ({
        outcome: 'restored',
        detail,
        ...(executionId ? { expectations: [stageExpectation(config, executionId)] } : {}),
      });
      const { ConflictException, GetPipelineExecutionCommand, PipelineExecutionNotStoppableException, RollbackStageCommand, StopPipelineExecutionCommand } = await codePipelineSdk();
      const codePipeline = await client(config);

      try {
        const target = await codePipeline.send(new GetPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId: to.executionId }));
        if (target.pipelineExecution?.executionType === 'ROLLBACK') return fail(`known-good execution ${to.executionId} is itself a rollback execution; refusing to roll back to it`);
      } catch (error) {
        return fail(`cannot read known-good execution ${to.executionId}: ${(error as Error).message}`);
      }
      if (simulate) {
        return { outcome: 'would_restore', detail: `would ${from ? `stop execution ${from.executionId} and ` : ''}roll ${pipeline}/${stage} back to execution ${to.executionId}` };
      }
      // RollbackStage is not idempotent: a resumed run first looks for the rollback an earlier attempt started.
      if (resumed) {
        try {
          const latest = (await readStage(codePipeline, pipeline, stage)).executionId;
          if (latest) {
            const { pipelineExecution } = await codePipeline.send(new GetPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId: latest }));
            if (pipelineExecution?.executionType === 'ROLLBACK' && pipelineExecution.rollbackMetadata?.rollbackTargetPipelineExecutionId === to.executionId) {
              return restored(`${pipeline}/${stage} already rolling back to ${to.executionId} (execution ${latest}, started by an earlier attempt)`, latest);
            }
          }
        } catch (error) {
          return fail(`cannot tell whether an earlier attempt already rolled the stage back: ${errorLine(error)}`);
        }
      }

      let stopped = '';
      if (from) {
        try {
          await codePipeline.send(
            new StopPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId: from.executionId, abandon: true, reason: `rollback-controller: ${reason}`.slice(0, 200) }),
          );
          stopped = `stopped ${from.executionId}; `;
        } catch (error) {
          if (!(error instanceof PipelineExecutionNotStoppableException)) return fail(`cannot stop execution ${from.executionId}: ${(error as Error).message}`);
        }
      }
      for (let attempt = 0; ; attempt += 1) {
        try {
          const result = await codePipeline.send(new RollbackStageCommand({ pipelineName: pipeline, stageName: stage, targetPipelineExecutionId: to.executionId }));
          return restored(`${stopped}${pipeline}/${stage} rolling back to ${to.executionId} (execution ${result.pipelineExecutionId})`, result.pipelineExecutionId);
        } catch (error) {
          // Conflict: another execution is still settling in the stage (often the one just stopped).
          const delay = retryDelays[attempt];
          if (error instanceof ConflictException && delay !== undefined) {
            await sleep(delay);
            continue;
          }
          return fail(`RollbackStage failed: ${errorLine(error)}`);
        }
      }
    },

    async check(config, expectation) {
      return judgeStage(expectation, await readStage(await client(config), expectation.pipeline, expectation.stage));
    },

    /** RollbackStage returns a stage only to an earlier execution that succeeded and was not itself a rollback. */
    async readiness(config, point) {
      const { GetPipelineExecutionCommand } = await codePipelineSdk();
      try {
        const { pipelineExecution } = await (await client(config)).send(new GetPipelineExecutionCommand({ pipelineName: config.pipeline, pipelineExecutionId: point.executionId }));
        if (pipelineExecution?.executionType === 'ROLLBACK') return { ready: false, detail: `execution ${point.executionId} is itself a rollback execution: RollbackStage cannot return to it` };
        if (pipelineExecution?.status !== 'Succeeded') return { ready: false, detail: `execution ${point.executionId} is ${pipelineExecution?.status ?? 'unknown'}, not Succeeded: RollbackStage cannot return to it` };
        return { ready: true, detail: `execution ${point.executionId} succeeded: RollbackStage can return ${config.stage} to it` };
      } catch (error) {
        return { ready: false, detail: `cannot read execution ${point.executionId} of ${config.pipeline}: ${errorLine(error)}` };
      }
    },

    async capture(config, hints) {
      const execution = hints.pipelineExecution;
      if (execution?.pipeline === config.pipeline && execution.stage === config.stage) return { executionId: execution.executionId };
      const stage = await readStage(await client(config), config.pipeline, config.stage);
      if (!stage.executionId || stage.status !== 'Succeeded') {
        throw new Error(`${config.pipeline}/${config.stage} has no succeeded latest execution to record (${stage.error ?? `${stage.executionId ?? 'none'} ${stage.status ?? ''}`.trim()})`);
      }
      return { executionId: stage.executionId };
    },
  };
}
