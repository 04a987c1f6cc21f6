import type { EnvironmentConfig } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { RestoreOutcome } from '../history/run-journal';
import type { TargetExpectation } from '../validation/target-expectations';

export interface RestoreRequest {
  environment: EnvironmentConfig;
  /** The bad deployment being rolled back. */
  from: DeploymentRecord;
  /** The known-good deployment to put back. */
  to: DeploymentRecord;
  reason: string;
  /** Drill: read what would change, change nothing. */
  simulate: boolean;
  /** An earlier attempt of this run may have restored before it died: a target that is not idempotent checks first. */
  resumed: boolean;
}

export interface RestoreResult {
  target: string;
  outcome: RestoreOutcome;
  /** One line a person can act on: what changed, or why it could not. */
  detail: string;
  /** What the validator must observe for this restore to count (only when it took effect). */
  expectations?: TargetExpectation[];
}

/** Something that can put an environment back on a known-good deployment (alias, pipeline stage, sandbox). */
export interface RollbackTarget {
  readonly name: string;
  /** Moves live traffic (an alias, weights): restored first, and its success is what makes a later refusal a warning. */
  readonly movesTraffic: boolean;
  restore(request: RestoreRequest): Promise<RestoreResult>;
}
