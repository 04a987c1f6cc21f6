// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { rollbackTriggerSchema, type DeploymentRecord } from './deployment-record';
import { controlEventSchema, environmentPauseSchema, type EnvironmentControl } from './environment-controls';
import { liveStateSchema, type LiveState } from './live-state';
import { readinessReportSchema, type ReadinessReport } from './readiness-report';

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
  /** What is live in the environment, kept by every event that moves traffic (absent until the first one since the upgrade). */
  live?: LiveState;
  /** The last rollback-readiness check (the reconciler's). */
  readiness?: ReadinessReport;
  /** Parts of the stored head that did not parse and were left out, named: a bad entry never stops automation. */
  problems?: string[];
}

/** Each stored field of the head, parsed on its own: one bad field never hides the others. */
const STORED_FIELDS = {
  pause: environmentPauseSchema.optional(),
  events: z.array(controlEventSchema).default([]),
  coversSince: isoTimestamp.optional(),
  live: liveStateSchema.optional(),
  readiness: readinessReportSchema.optional(),
};

/**
 * The head from its stored item, read tolerantly: an entry or a live state that does not parse is
 * left out and named in `problems` (the caller logs it), so one bad write can never stop automation
 * or the CLI. Pure.
 */
export function parseHead(environment: string, item: Record<string, unknown>): EnvironmentHead {
  const problems: string[] = [];
  const describe = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) => issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`).join('; ');
  const field = <Name extends keyof typeof STORED_FIELDS>(name: Name): z.output<(typeof STORED_FIELDS)[Name]> | undefined => {
    const parsed = STORED_FIELDS[name].safeParse(item[name]);
    if (parsed.success) return parsed.data as z.output<(typeof STORED_FIELDS)[Name]>;
    problems.push(`the head of ${environment} holds a malformed ${name} (left out): ${describe(parsed.error.issues)}`);
    return undefined;
  };
  let isLedgerWhole = true;
  const rollbacks = Object.entries(item)
    .filter(([name]) => name.startsWith(ENTRY_PREFIX))
    .flatMap(([name, value]) => {
      const parsed = rollbackEntrySchema.safeParse(value);
      if (parsed.success) return [parsed.data];
      isLedgerWhole = false;
      problems.push(`the head of ${environment} holds a malformed entry ${name} (left out; the guards read the rollbacks index instead): ${describe(parsed.error.issues)}`);
      return [];
    });
  const pause = field('pause');
  // A ledger missing an entry covers nothing: the guards must not count fewer rollbacks than there were.
  const coversSince = isLedgerWhole ? field('coversSince') : undefined;
  const live = field('live');
  const readiness = field('readiness');
  return {
    control: { environment, ...(pause ? { pause } : {}), events: field('events') ?? [] },
    rollbacks: newestFirst(rollbacks),
    ...(coversSince ? { coversSince } : {}),
    ...(live ? { live } : {}),
    ...(readiness ? { readiness } : {}),
    ...(problems.length > 0 ? { problems } : {}),
  };
}

/** Whether the head's ledger holds every rollback since `since`: else the guards read the rollbacks index. Pure. */
export function ledgerCovers(head: EnvironmentHead | undefined, since: Date): head is EnvironmentHead & { coversSince: string } {
  return head?.coversSince !== undefined && head.coversSince <= since.toISOString();
}
