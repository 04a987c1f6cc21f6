import type { EnvironmentConfig } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';

export interface RestoreRequest {
  environment: EnvironmentConfig;
  /** The bad deployment being rolled back. */
  from: DeploymentRecord;
  /** The known-good deployment to put back. */
  to: DeploymentRecord;
  reason: string;
  /** Drill: read what would change, change nothing. */
  simulate: boolean;
}

export type RestoreOutcome = 'restored' | 'would_restore' | 'unchanged' | 'not_applicable' | 'failed';

export interface RestoreResult {
  target: string;
  outcome: RestoreOutcome;
  /** One line a person can act on: what changed, or why it could not. */
  detail: string;
  /** CodePipeline: the execution RollbackStage started, for the validator to watch. */
  pipelineExecutionId?: string;
}

/** Something that can put an environment back on a known-good deployment (alias, pipeline stage, sandbox). */
export interface RollbackTarget {
  readonly name: string;
  restore(request: RestoreRequest): Promise<RestoreResult>;
}
