import { GetPipelineExecutionCommand, type CodePipelineClient } from '@aws-sdk/client-codepipeline';

export interface PipelineExecutionFacts {
  /** ROLLBACK for a RollbackStage re-execution. */
  executionType: 'STANDARD' | 'ROLLBACK';
  rollbackTargetExecutionId?: string;
  revisions: { name?: string; revisionId?: string; revisionSummary?: string }[];
}

/** Reads what the recorder needs to know about one pipeline execution. */
export interface PipelineExecutionReader {
  readExecution(pipelineName: string, executionId: string): Promise<PipelineExecutionFacts>;
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
}
