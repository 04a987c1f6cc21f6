// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import type { DeploymentRecord } from './deployment-record';
import type { EnvironmentHead } from './environment-head';
import type { LiveChange, LiveState } from './live-state';
import type { ReadinessReport } from './readiness-report';

const isoTimestamp = z.iso.datetime({ offset: false });

/** People paused automation in an environment: who, why, since and until when. */
export const environmentPauseSchema = z.object({ by: z.string().min(1), reason: z.string().min(1), at: isoTimestamp, until: isoTimestamp });
export type EnvironmentPause = z.infer<typeof environmentPauseSchema>;

/** One pause or resume, as the history shows it. */
export const controlEventSchema = z.object({
  action: z.enum(['pause', 'resume']),
  by: z.string().min(1),
  reason: z.string().optional(),
  at: isoTimestamp,
  until: isoTimestamp.optional(),
});
export type ControlEvent = z.infer<typeof controlEventSchema>;

/** A name of who acts, as written to a control: 1 to 200 printable characters (no control or formatting characters). */
const actorName = z
  .string()
  .trim()
  .min(1, 'must name who is acting')
  .max(200)
  .refine((text) => !/[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u.test(text), 'must hold no control or formatting characters');

/** What a pause or resume may write, checked strictly before anything is written (reads stay tolerant). */
export const controlWriteSchema = z.object({
  environment: z.string().min(1),
  by: actorName,
  reason: z.string().trim().min(3, 'must say why (at least 3 characters)').max(1_000).optional(),
  until: z.date().optional(),
});

/** An environment's runtime controls: the pause in force (if any) and the newest pauses and resumes. */
export interface EnvironmentControl {
  environment: string;
  pause?: EnvironmentPause;
  /** Newest first, at most CONTROL_EVENTS_KEPT. */
  events: ControlEvent[];
}

export const CONTROL_EVENTS_KEPT = 20;

/** The pause still in force at `now`, if any. Pure. */
export function pauseInForce(control: EnvironmentControl | undefined, now: Date): EnvironmentPause | undefined {
  const pause = control?.pause;
  return pause && pause.until > now.toISOString() ? pause : undefined;
}

/**
 * An environment's own item, its head: who may pause and resume automation, and the ledger of its
 * rollbacks that the guards count (see environment-head.ts).
 */
export interface EnvironmentControls {
  read(environment: string): Promise<EnvironmentControl>;
  /** The head as stored now (a consistent read); undefined when the environment has none yet. */
  readHead(environment: string): Promise<EnvironmentHead | undefined>;
  /**
   * Writes the entry of a claimed record's run on its environment's head. `asClaimed` never replaces
   * an entry already there (a late claim-time write must not undo a finished one); `prune` drops the
   * entries of a head as read that started before `before`.
   */
  noteRollback(record: DeploymentRecord, options?: { asClaimed?: boolean; prune?: { head: EnvironmentHead; before: Date } }): Promise<void>;
  /** Puts these rollbacks (from the rollbacks index, since `since`) on the ledger, which then covers everything since `since`. */
  fillLedger(environment: string, since: Date, rollbacks: readonly DeploymentRecord[]): Promise<void>;
  /** Drops the head's ledger entries that started before `before` (what the guards no longer read); true when it dropped any. */
  pruneLedger(head: EnvironmentHead, before: Date): Promise<boolean>;
  /**
   * Keeps what is live after an event that moved traffic (a restore, a recorded deployment): a
   * conditional write on the live state as `seen` (else as read now); an event older than what is
   * kept changes nothing and returns undefined.
   */
  noteLive(environment: string, change: LiveChange, seen?: { live?: LiveState }): Promise<LiveState | undefined>;
  /** Keeps the last rollback-readiness report on the head (it replaces the one before). */
  noteReadiness(environment: string, report: ReadinessReport): Promise<void>;
  /** Puts the environment's head on the reconcile queue, due at `at` (its next check); undefined takes it off. */
  scheduleCheck(environment: string, at: Date | undefined): Promise<void>;
  pause(input: { environment: string; by: string; reason: string; until: Date }): Promise<EnvironmentControl>;
  /** Lifts the pause; `wasPaused` says whether one was in force. */
  resume(input: { environment: string; by: string; reason?: string }): Promise<{ control: EnvironmentControl; wasPaused: boolean }>;
}
