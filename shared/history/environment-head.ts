// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { rollbackTriggerSchema, type DeploymentRecord } from './deployment-record';
import { controlEventSchema, environmentPauseSchema, type EnvironmentControl } from './environment-controls';

/**
 * Each environment has one item of its own, its head: the pause people put on automation and a
 * ledger of the environment's recent rollbacks. It sits in the environment's `byEnvironment`
 * partition under a sort key above every timestamp, so the newest-first Query that finds the active
 * deployment and its last known good reads it first: one read answers everything a rollback — or a
 * duplicate of one — needs to decide.
 */
export const HEAD_SORT_KEY = '~head';

/** The head's key: the item that held an environment's pauses before it held the ledger, so pauses carry over. */
export function headId(environment: string): string {
  return `control#${environment}`;
}

/** Each rollback has its own attribute on the head, so concurrent claims never overwrite each other's entries. */
export const ENTRY_PREFIX = 'rollback#';

export function entryAttribute(runId: string): string {
  return `${ENTRY_PREFIX}${runId}`;
}

const isoTimestamp = z.iso.datetime({ offset: false });

/** One rollback in an environment, as the guards count it (cooldown, hourly limit, alarms it already answered). */
export const rollbackEntrySchema = z.object({
  deploymentId: z.string().min(1),
  runId: z.string().min(1),
  startedAt: isoTimestamp,
  finishedAt: isoTimestamp.optional(),
  trigger: rollbackTriggerSchema.shape.type,
  /** A record another environment's full rollback claimed: the record holding that run's journal. */
  partOf: z.string().optional(),
});
export type RollbackEntry = z.infer<typeof rollbackEntrySchema>;

/** What the guards need of a claimed record. Pure. */
export function rollbackEntryOf(record: DeploymentRecord): RollbackEntry | undefined {
  const rollback = record.rollback;
  if (!rollback) return undefined;
  return {
    deploymentId: record.deploymentId,
    runId: rollback.runId,
    startedAt: record.rollbackStartedAt ?? rollback.startedAt,
    ...(rollback.finishedAt ? { finishedAt: rollback.finishedAt } : {}),
    trigger: rollback.trigger.type,
    ...(rollback.partOf ? { partOf: rollback.partOf } : {}),
  };
}

/** Claimed records as ledger entries, newest first. Pure. */
export function rollbackEntriesOf(records: readonly DeploymentRecord[]): RollbackEntry[] {
  return newestFirst(records.flatMap((record) => rollbackEntryOf(record) ?? []));
}

function newestFirst(entries: RollbackEntry[]): RollbackEntry[] {
  return entries.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** An environment's head as read. */
export interface EnvironmentHead {
  control: EnvironmentControl;
  /** Every entry on the head, newest first. */
  rollbacks: RollbackEntry[];
  /**
   * Every rollback claimed since then has its entry (written by the claim, rewritten finished before
   * its run lets go). Absent until the reconciler first filled the ledger from the rollbacks index.
   */
  coversSince?: string;
}

const storedHeadSchema = z.object({
  pause: environmentPauseSchema.optional(),
  events: z.array(controlEventSchema).default([]),
  coversSince: isoTimestamp.optional(),
});

/** The head from its stored item; an entry that does not parse is named, not skipped. Pure. */
export function parseHead(environment: string, item: Record<string, unknown>): EnvironmentHead {
  const stored = storedHeadSchema.parse(item);
  const rollbacks = Object.entries(item)
    .filter(([name]) => name.startsWith(ENTRY_PREFIX))
    .map(([name, value]) => {
      const parsed = rollbackEntrySchema.safeParse(value);
      if (!parsed.success) throw new Error(`the head of ${environment} holds a malformed entry ${name}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      return parsed.data;
    });
  return {
    control: { environment, ...(stored.pause ? { pause: stored.pause } : {}), events: stored.events },
    rollbacks: newestFirst(rollbacks),
    ...(stored.coversSince ? { coversSince: stored.coversSince } : {}),
  };
}

/** Whether the head's ledger holds every rollback since `since`: else the guards read the rollbacks index. Pure. */
export function ledgerCovers(head: EnvironmentHead | undefined, since: Date): head is EnvironmentHead & { coversSince: string } {
  return head?.coversSince !== undefined && head.coversSince <= since.toISOString();
}
