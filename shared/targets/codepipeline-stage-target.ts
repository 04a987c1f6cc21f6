import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { loadOnce } from '../aws/load-once';
import type { RestoreRequest, RestoreResult, RollbackTarget } from './rollback-target';

/** Loaded on the first pipeline restore, after the alias update: off the cold start. */
const codePipelineSdk = loadOnce(() => import('@aws-sdk/client-codepipeline'));

export interface CodePipelineStageTargetOptions {
  /** Waits between ConflictException retries; injected so tests do not wait. */
  sleep?: (milliseconds: number) => Promise<void>;
  conflictRetryDelaysMs?: readonly number[];
}

const realSleep = (milliseconds: number) => new Promise<void>((resume) => setTimeout(resume, milliseconds));

/**
 * Stops the bad version's in-flight execution (so it goes no further) and rolls the stage back to
 * the known-good execution (CodePipeline V2 RollbackStage).
 */
export class CodePipelineStageTarget implements RollbackTarget {
  readonly name = 'codepipeline-stage';
  readonly movesTraffic = false;
  readonly #sleep: (milliseconds: number) => Promise<void>;
  readonly #retryDelays: readonly number[];

  /** @param codePipeline the client, or how to build it once on first use */
  constructor(
    private readonly codePipeline: () => Promise<CodePipelineClient>,
    options: CodePipelineStageTargetOptions = {},
  ) {
    this.#sleep = options.sleep ?? realSleep;
    this.#retryDelays = options.conflictRetryDelaysMs ?? [1_000, 2_000, 4_000];
  }

  async restore(request: RestoreRequest): Promise<RestoreResult> {
    const pipeline = request.environment.pipeline;
    const good = request.to.pipeline;
    if (!pipeline || !good || good.name !== pipeline.name || good.stage !== pipeline.stage) {
      return { target: this.name, outcome: 'not_applicable', detail: 'no pipeline execution recorded for the configured stage' };
    }
    const bad = request.from.pipeline?.name === pipeline.name ? request.from.pipeline : undefined;
    const fail = (detail: string): RestoreResult => ({ target: this.name, outcome: 'failed', detail: `${pipeline.name}/${pipeline.stage}: ${detail}` });
    const { ConflictException, GetPipelineExecutionCommand, GetPipelineStateCommand, PipelineExecutionNotStoppableException, RollbackStageCommand, StopPipelineExecutionCommand } =
      await codePipelineSdk();
    const codePipeline = await this.codePipeline();

    try {
      const target = await codePipeline.send(
        new GetPipelineExecutionCommand({ pipelineName: pipeline.name, pipelineExecutionId: good.executionId }),
      );
      if (target.pipelineExecution?.executionType === 'ROLLBACK') {
        return fail(`known-good execution ${good.executionId} is itself a rollback execution; refusing to roll back to it`);
      }
    } catch (error) {
      return fail(`cannot read known-good execution ${good.executionId}: ${(error as Error).message}`);
    }
    if (request.simulate) {
      return {
        target: this.name,
        outcome: 'would_restore',
        detail: `would ${bad ? `stop execution ${bad.executionId} and ` : ''}roll ${pipeline.name}/${pipeline.stage} back to execution ${good.executionId}`,
      };
    }

    const restored = (detail: string, executionId: string | undefined): RestoreResult => ({
      target: this.name,
      outcome: 'restored',
      detail,
      ...(executionId ? { expectations: [{ target: 'codepipeline-stage', pipeline: pipeline.name, stage: pipeline.stage, executionId }] } : {}),
    });
    // RollbackStage is not idempotent: a resumed run first looks for the rollback an earlier attempt started.
    if (request.resumed) {
      try {
        const state = await codePipeline.send(new GetPipelineStateCommand({ name: pipeline.name }));
        const latest = state.stageStates?.find((stage) => stage.stageName === pipeline.stage)?.latestExecution?.pipelineExecutionId;
        if (latest) {
          const { pipelineExecution } = await codePipeline.send(new GetPipelineExecutionCommand({ pipelineName: pipeline.name, pipelineExecutionId: latest }));
          if (pipelineExecution?.executionType === 'ROLLBACK' && pipelineExecution.rollbackMetadata?.rollbackTargetPipelineExecutionId === good.executionId) {
            return restored(`${pipeline.name}/${pipeline.stage} already rolling back to ${good.executionId} (execution ${latest}, started by an earlier attempt)`, latest);
          }
        }
      } catch (error) {
        return fail(`cannot tell whether an earlier attempt already rolled the stage back: ${(error as Error).name}: ${(error as Error).message}`);
      }
    }

    let stopped = '';
    if (bad) {
      try {
        await codePipeline.send(
          new StopPipelineExecutionCommand({
            pipelineName: pipeline.name,
            pipelineExecutionId: bad.executionId,
            abandon: true,
            reason: `rollback-controller: ${request.reason}`.slice(0, 200),
          }),
        );
        stopped = `stopped ${bad.executionId}; `;
      } catch (error) {
        if (!(error instanceof PipelineExecutionNotStoppableException)) return fail(`cannot stop execution ${bad.executionId}: ${(error as Error).message}`);
      }
    }

    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await codePipeline.send(
          new RollbackStageCommand({ pipelineName: pipeline.name, stageName: pipeline.stage, targetPipelineExecutionId: good.executionId }),
        );
        return restored(`${stopped}${pipeline.name}/${pipeline.stage} rolling back to ${good.executionId} (execution ${result.pipelineExecutionId})`, result.pipelineExecutionId);
      } catch (error) {
        // Conflict: another execution is still settling in the stage (often the one just stopped).
        const delay = this.#retryDelays[attempt];
        if (error instanceof ConflictException && delay !== undefined) {
          await this.#sleep(delay);
          continue;
        }
        return fail(`RollbackStage failed: ${(error as Error).name}: ${(error as Error).message}`);
      }
    }
  }
}
