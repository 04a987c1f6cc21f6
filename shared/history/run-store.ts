import type { DeploymentRecord, RollbackTrigger } from './deployment-record';
import type { EnvironmentHead } from './environment-head';
import type { JournalStep, RollbackLevel, RunMode, StepOf } from './run-journal';

/** A run acting on the record that holds its journal, as the invocation driving it. */
export interface RunRef {
  deploymentId: string;
  runId: string;
  invocationId: string;
}

/** The journal as the runner keeps it: the bounded steps of every run on the record, and how many were dropped. */
export interface Journal {
  timeline: JournalStep[];
  dropped: number;
}

export interface ClaimInput {
  /** The deployment as the caller read it: the claim is conditional on it being unchanged. */
  observed: DeploymentRecord;
  runId: string;
  invocationId: string;
  mode: RunMode;
  trigger: RollbackTrigger;
  leaseSeconds: number;
  /** The run's first journal step, written with the claim itself: nothing else stands before the restore. */
  claimStep?: StepOf<'claim'>;
  /** Another environment's record joining a full rollback: the record that holds the run's journal. */
  partOf?: string;
}

export type ClaimResult =
  | { outcome: 'claimed'; deployment: DeploymentRecord }
  /** Another invocation drives a run on it now (its lease is live). */
  | { outcome: 'held'; deployment: DeploymentRecord }
  /** It changed into something this claim cannot take (finished, superseded). */
  | { outcome: 'not_claimable'; deployment: DeploymentRecord }
  | { outcome: 'not_found'; deploymentId: string };

export type ResumeResult =
  | { outcome: 'resumed'; deployment: DeploymentRecord }
  | { outcome: 'held'; deployment: DeploymentRecord }
  /** The run finished and let go of it: nothing to resume. */
  | { outcome: 'not_claimable'; deployment: DeploymentRecord }
  | { outcome: 'not_found'; deploymentId: string };

export interface StartDrillInput {
  runId: string;
  invocationId: string;
  environment: string;
  /** The active deployment the drill pretends to roll back. */
  from: DeploymentRecord;
  trigger: RollbackTrigger;
  leaseSeconds: number;
  claimStep: StepOf<'claim'>;
  /** Drill records expire (DynamoDB TTL) after this long. */
  retentionSeconds: number;
}

export interface RunCompletion {
  outcome: 'rolled_back' | 'rollback_failed';
  /** The restore stayed without evidence it recovered. */
  verdict?: 'unverified';
  level: RollbackLevel;
  reason: string;
  targetDeploymentId: string;
  targetVersion: string;
}

/** Completing another environment's record a full rollback claimed; its target is unknown when its run ended without journaling it. */
export type JoinedCompletion = { deploymentId: string; runId: string; partOf: string } & Omit<RunCompletion, 'targetDeploymentId' | 'targetVersion'> &
  Partial<Pick<RunCompletion, 'targetDeploymentId' | 'targetVersion'>>;

/**
 * Rollback runs on the history table: one claim per deployment, one driver per run, and every
 * write after the claim conditional on the writer holding the run's lease.
 */
export interface RunStore {
  /** A fresh claim: the observed status → rolling_back, with a lease held by this invocation. */
  claim(input: ClaimInput): Promise<ClaimResult>;
  /** Drives on a run whose lease expired or was released, as this invocation. */
  resume(input: { observed: DeploymentRecord; invocationId: string; leaseSeconds: number }): Promise<ResumeResult>;
  /** A drill's own record (kind drill, expiring), created with its claim; an existing one is returned as it is. */
  startDrill(input: StartDrillInput): Promise<{ created: boolean; deployment: DeploymentRecord }>;
  /** Replaces the journal (bounded by the caller). Throws ClaimLostError when this invocation no longer drives the run. */
  writeJournal(ref: RunRef, journal: Journal): Promise<void>;
  /** Ends the run's own record with its outcome and the journal's complete step; keeps the lease until it is announced. */
  complete(ref: RunRef, completion: RunCompletion, journal: Journal): Promise<DeploymentRecord>;
  /** Appends a step of the run to another environment's record it claimed for a full rollback (what was restored there). */
  journalJoined(input: { deploymentId: string; runId: string; partOf: string; step: JournalStep }): Promise<void>;
  /** Ends another environment's record that the run claimed for a full rollback; a repeat by the same run is a no-op. */
  completeJoined(input: JoinedCompletion): Promise<DeploymentRecord>;
  /** Stops driving: the lease runs out at `resumeAfter`, when the reconciler (or a retry) may resume the run. */
  handOver(ref: RunRef, resumeAfter: Date, journal: Journal): Promise<void>;
  /** The run is alive: its lease runs `leaseSeconds` from now. Throws ClaimLostError when this invocation no longer drives it. */
  renewLease(ref: RunRef, leaseSeconds: number): Promise<void>;
  /**
   * The run gave up and its journal cannot be written (too large, refused): end its record
   * `rollback_failed` with the reason, without the journal, and let go. A no-op when it was already ended.
   */
  abandon(ref: RunRef, reason: string): Promise<void>;
  /** The run is over and announced: the lease is removed. */
  release(ref: RunRef, journal: Journal): Promise<void>;
  /** Records of a rollbacks-index partition with an unfinished run (a lease present), claimed at or after `since`. */
  findOpenRuns(partition: string, since: Date): Promise<DeploymentRecord[]>;
  /**
   * What the reconcile queue holds that is due by `now` (one Query, and more only past 1 MB): the
   * unfinished runs whose lease ran out, and the heads of the environments due a check (as the
   * index holds them: the check needs no read of its own).
   */
  findDue(now: Date): Promise<{ runs: DeploymentRecord[]; heads: EnvironmentHead[] }>;
  /**
   * One full-scope decision per bad version while a storm lasts: the first run to reach it (or the
   * one whose decider stopped short of finishing) is told to decide; every other run is told which
   * run did, and keeps to its own environment. One conditional write.
   */
  openScopeDecision(input: { version: string; runId: string; deploymentId: string; decidingSeconds: number; validSeconds: number }): Promise<ScopeDecisionOpening>;
  /** This run's decision is journaled (its claims made): the others may rely on it. */
  closeScopeDecision(input: { version: string; runId: string }): Promise<void>;
  /** The version of the one-time sweep the reconciler last completed (undefined: never). */
  readSweep(): Promise<number | undefined>;
  /** The sweep of this version is done: later ticks read only the queue. */
  noteSweep(version: number): Promise<void>;
}

/** Whether this run takes the full-scope decision of its bad version, or which run took it. */
export type ScopeDecisionOpening = { decide: true } | { decide: false; decidedBy: { runId: string; deploymentId: string; since: string } };

/** Remembers what was announced, so a storm of identical answers pages people once. */
export interface NoticeLedger {
  /** True for the first caller with this key until `until`; false for everyone else until then. */
  isFirstNotice(key: string, until: Date): Promise<boolean>;
}

/** The rollbacks-index partition of an environment's drill records: the reconciler reads it, the guards never do. */
export function drillPartition(environment: string): string {
  return `drill#${environment}`;
}
