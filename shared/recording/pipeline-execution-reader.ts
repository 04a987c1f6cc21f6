import { GetPipelineExecutionCommand, GetPipelineStateCommand, type CodePipelineClient } from '@aws-sdk/client-codepipeline';

export interface PipelineExecutionFacts {
  /** ROLLBACK for a RollbackStage re-execution. */
  executionType: 'STANDARD' | 'ROLLBACK';
  rollbackTargetExecutionId?: string;
  revisions: { name?: string; revisionId?: string; revisionSummary?: string }[];
}

/** Reads what the recorder needs to know about one pipeline execution. */
export interface PipelineExecutionReader {
  readExecution(pipelineName: string, executionId: string): Promise<PipelineExecutionFacts>;
  /** The execution that last entered the stage (what is live there now was put there by it, or is still being). */
  latestStageExecution(pipelineName: string, stageName: string): Promise<string | undefined>;
}

export class CodePipelineExecutionReader implements PipelineExecutionReader {
  constructor(private readonly codePipeline: CodePipelineClient) {}

  async readExecution(pipelineName: string, executionId: string): Promise<PipelineExecutionFacts> {
    const { pipelineExecution } = await this.codePipeline.send(new GetPipelineExecutionCommand({ pipelineName, pipelineExecutionId: executionId }));
    return {
      executionType: pipelineExecution?.executionType === 'ROLLBACK' ? 'ROLLBACK' : 'STANDARD',
      rollbackTargetExecutionId: pipelineExecution?.rollbackMetadata?.rollbackTargetPipelineExecutionId,
      revisions: (pipelineExecution?.artifactRevisions ?? []).map(({ name, revisionId, revisionSummary }) => ({ name, revisionId, revisionSummary })),
    };
  }

  async latestStageExecution(pipelineName: string, stageName: string): Promise<string | undefined> {
    const state = await this.codePipeline.send(new GetPipelineStateCommand({ name: pipelineName }));
    return state?.stageStates?.find((stage) => stage.stageName === stageName)?.latestExecution?.pipelineExecutionId;
  }
}
