import type { DeploymentRecord, RecordableStatus, RollbackLevel, RollbackTrigger, TimelineStep } from './deployment-record';
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
  lambdaVersions?: Record<string, string>;
  pipeline?: { name: string; stage: string; executionId: string };
  sourceRevision?: string;
  stageState?: string;
  restoreOf?: string;
}

export type RecordDeploymentResult =
  | { outcome: 'created'; deployment: DeploymentRecord }
  | { outcome: 'updated'; deployment: DeploymentRecord; previousStatus: RecordableStatus }
  /** Already recorded with this or a later status: nothing was written. */
  | { outcome: 'unchanged'; deployment: DeploymentRecord };

export interface ClaimInput {
  /** The deployment as the caller read it; its status and claim decide which conditional write to try. */
  observed: DeploymentRecord;
  runId: string;
  trigger: RollbackTrigger;
  leaseSeconds: number;
}

export type ClaimResult =
  | { outcome: 'claimed'; deployment: DeploymentRecord; resumed: boolean; takenOverFrom?: string }
  | { outcome: 'already_claimed'; deployment: DeploymentRecord; holderRunId: string; leaseExpiresAt?: string }
  | { outcome: 'not_claimable'; deployment: DeploymentRecord }
  | { outcome: 'not_found'; deploymentId: string };

export interface CompleteRollbackInput {
  deploymentId: string;
  runId: string;
  outcome: 'rolled_back' | 'rollback_failed';
  level: RollbackLevel;
  reason: string;
  targetDeploymentId?: string;
  targetVersion?: string;
}

export interface StartDrillInput {
  runId: string;
  environment: string;
  /** The active version the drill pretends to roll back. */
  version: string;
  trigger: RollbackTrigger;
  target: { deploymentId: string; version: string };
  /** Drill records expire (DynamoDB TTL) after this long. */
  retentionSeconds: number;
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

/** The deployment history: what ran where, and every rollback of it. */
export interface HistoryStore {
  /** Idempotent: recording the same deployment and status again changes nothing. */
  recordDeployment(input: RecordDeploymentInput): Promise<RecordDeploymentResult>;
  /** The active deployment and the last known good one, from one Query of the environment. */
  findRollbackPair(environment: string, options?: { targetVersion?: string }): Promise<RollbackPair>;
  /** Conditional transition to rolling_back with an expiring lease; one claimant wins. */
  claimForRollback(input: ClaimInput): Promise<ClaimResult>;
  /** Appends steps to the timeline while the run holds the claim; beyond the bound, steps are counted, not kept. */
  appendTimeline(deploymentId: string, runId: string, steps: readonly TimelineStep[]): Promise<void>;
  completeRollback(input: CompleteRollbackInput): Promise<DeploymentRecord>;
  /** Creates a drill's own record (kind drill, expiring); the same run asking again gets it back to resume. */
  startDrill(input: StartDrillInput): Promise<{ deployment: DeploymentRecord; resumed: boolean }>;
  listHistory(query: HistoryQuery): Promise<HistoryPage>;
  getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined>;
  /** Deployments of the environment claimed for a rollback at or after `since`, newest first. */
  listRollbacksSince(environment: string, since: Date): Promise<DeploymentRecord[]>;
}
