import type { EnvironmentConfig } from '../config';
import type { DeploymentRecord, RecordableStatus } from './deployment-record';
import type { EnvironmentHead } from './environment-head';
import type { RollbackPair } from './rollback-selection';

export interface RecordDeploymentInput {
  deploymentId: string;
  /** Default deployment; a restore is a rollback's own re-execution, kept in history but never active. */
  kind?: 'deployment' | 'restore';
  environment: string;
  version: string;
  status: RecordableStatus;
  /** When the reported state change happened (the pipeline event time); defaults to now. */
  at?: Date;
  source: string;
  recordedBy?: string;
  /** Per target type, what the deployment put live (validated by each target's schema before it is recorded). */
  restorePoints?: Record<string, unknown>;
  /** Why some targets' restore points could not be attributed to this deployment, and so were left out. */
  restorePointsUnknown?: string;
  pipeline?: { name: string; stage: string; executionId: string };
  sourceRevision?: string;
  stageState?: string;
  restoreOf?: string;
  /** Why rolling back past this deployment would not undo it (a data migration): automation stops before it. */
  irreversible?: string;
}

export type RecordDeploymentResult =
  | { outcome: 'created'; deployment: DeploymentRecord }
  | { outcome: 'updated'; deployment: DeploymentRecord; previousStatus: RecordableStatus }
  /** Already recorded with this or a later status: nothing was written. */
  | { outcome: 'unchanged'; deployment: DeploymentRecord };

/** One read of an environment: its active deployment and last known good, and its head (pause and rollback ledger) when it has one. */
export interface EnvironmentView {
  pair: RollbackPair;
  head?: EnvironmentHead;
}

export interface HistoryQuery {
  environment: string;
  status?: DeploymentRecord['status'];
  since?: Date;
  until?: Date;
  limit: number;
  cursor?: string;
}

export interface HistoryPage {
  items: DeploymentRecord[];
  /** Opaque; pass it back to get the next (older) page. Absent on the last page. */
  nextCursor?: string;
}

/** The deployment history: what ran where, and every rollback of it. Reads and CI/pipeline writes only. */
export interface DeploymentHistory {
  /** Idempotent: recording the same deployment and status again changes nothing. */
  recordDeployment(input: RecordDeploymentInput): Promise<RecordDeploymentResult>;
  /**
   * The active deployment and the last known good one, from one Query of the environment that also
   * reads its head (what is kept live there); a known good covers the environment's configured targets.
   */
  findRollbackPair(environment: EnvironmentConfig, options?: { targetVersion?: string }): Promise<RollbackPair>;
  /** The same Query, with the environment's head itself: all a rollback, or a duplicate of one, needs to decide. */
  readEnvironment(environment: EnvironmentConfig, options?: { targetVersion?: string }): Promise<EnvironmentView>;
  listHistory(query: HistoryQuery): Promise<HistoryPage>;
  getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined>;
  /** Deployments of the environment claimed for a rollback at or after `since`, newest first. */
  listRollbacksSince(environment: string, since: Date): Promise<DeploymentRecord[]>;
}
