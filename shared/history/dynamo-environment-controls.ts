import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DeploymentRecord } from './deployment-record';
import { EnvironmentHeadTable, type HeadUpdate } from './dynamo-environment-head';
import { CONTROL_EVENTS_KEPT, controlWriteSchema, pauseInForce, type ControlEvent, type EnvironmentControl, type EnvironmentControls } from './environment-controls';
import { InvalidWriteError } from './history-errors';
import { entryAttribute, rollbackEntryOf, type EnvironmentHead, type RollbackEntry } from './environment-head';
import { HistoryTableAccess, type HistoryTableOptions } from './history-table-access';
import type { LiveChange, LiveState } from './live-state';
import type { ReadinessReport } from './readiness-report';
import { RECONCILE_QUEUE } from './table-schema';

/** Concurrent pauses and resumes of one environment: each is retried on a fresh read this many times (one lands per round). */
const WRITE_ATTEMPTS = 10;

/** Ledger entries written per update when the ledger is filled: keeps each expression far below DynamoDB's 4 KB. */
const FILL_CHUNK = 40;

/** A pause or resume as it may be written: who and why checked strictly, trimmed; a problem names the field. */
function checkedControl(input: { environment: string; by: string; reason?: string }): { by: string; reason?: string } {
  const parsed = controlWriteSchema.safeParse(input);
  if (!parsed.success) throw new InvalidWriteError(`cannot write a control of ${input.environment}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return { by: parsed.data.by, ...(parsed.data.reason !== undefined ? { reason: parsed.data.reason } : {}) };
}

/**
 * The environment's head (`control#<environment>`, see environment-head.ts). Pauses are written
 * read-modify-write under a version condition, so two people pausing at once both land, in order;
 * each ledger entry is its own attribute, so claims never need a read to add theirs.
 */
/** Entries one pruning write removes (an update expression names each). */
const PRUNE_CHUNK = 100;

export class DynamoEnvironmentControls implements EnvironmentControls {
  readonly #table: HistoryTableAccess;
  readonly #head: EnvironmentHeadTable;

  constructor(options: HistoryTableOptions) {
    this.#table = new HistoryTableAccess(options);
    this.#head = new EnvironmentHeadTable(this.#table);
  }

  async read(environment: string): Promise<EnvironmentControl> {
    const { control } = await this.#read(environment);
    return control;
  }

  async readHead(environment: string): Promise<EnvironmentHead | undefined> {
    return (await this.#read(environment)).head;
  }

  async pause(raw: { environment: string; by: string; reason: string; until: Date }): Promise<EnvironmentControl> {
    const input = { ...raw, ...checkedControl(raw) } as typeof raw;
    if (input.until.getTime() <= this.#table.clock.now().getTime()) throw new InvalidWriteError(`a pause of ${input.environment} must last until a time to come, not ${input.until.toISOString()}`);
    return this.#update(input.environment, (now) => {
      const pause = { by: input.by, reason: input.reason, at: now, until: input.until.toISOString() };
      return { pause, event: { action: 'pause', by: input.by, reason: input.reason, at: now, until: pause.until } };
    });
  }

  async resume(raw: { environment: string; by: string; reason?: string }): Promise<{ control: EnvironmentControl; wasPaused: boolean }> {
    const input = { ...raw, ...checkedControl(raw) };
    let wasPaused = false;
    const control = await this.#update(input.environment, (now, current) => {
      wasPaused = pauseInForce(current, new Date(now)) !== undefined;
      return { pause: undefined, event: { action: 'resume', by: input.by, ...(input.reason ? { reason: input.reason } : {}), at: now } };
    });
    return { control, wasPaused };
  }

  async noteRollback(record: DeploymentRecord, options: { asClaimed?: boolean; prune?: { head: EnvironmentHead; before: Date } } = {}): Promise<void> {
    const entry = rollbackEntryOf(record);
    if (!entry) throw new Error(`deployment ${record.deploymentId} holds no rollback to put on the ledger`);
    const before = options.prune?.before.toISOString();
    const stale = options.prune ? options.prune.head.rollbacks.filter((old) => old.startedAt < before! && old.runId !== entry.runId) : [];
    const names: Record<string, string> = { '#entry': entryAttribute(entry.runId) };
    stale.forEach((old, index) => (names[`#stale${index}`] = entryAttribute(old.runId)));
    const sets = [options.asClaimed ? '#entry = if_not_exists(#entry, :entry)' : '#entry = :entry'];
    const values: Record<string, unknown> = { ':entry': entry };
    // Entries dropped from before `before` mean the ledger reaches back only that far now.
    const coversSince = options.prune?.head.coversSince;
    if (stale.length > 0 && coversSince !== undefined && coversSince < before!) {
      sets.push('coversSince = :coversSince');
      values[':coversSince'] = before;
    }
    await this.#updateHead(record.environment, { sets, removes: stale.map((_, index) => `#stale${index}`), names, values });
  }

  async pruneLedger(head: EnvironmentHead, before: Date): Promise<boolean> {
    // Entries of runs still unfinished stay whatever their age: the guards must see them.
    const stale = head.rollbacks.filter((entry) => entry.startedAt < before.toISOString() && entry.finishedAt !== undefined).slice(0, PRUNE_CHUNK);
    if (stale.length === 0) return false;
    const names = Object.fromEntries(stale.map((entry, index) => [`#stale${index}`, entryAttribute(entry.runId)]));
    const covers = head.coversSince !== undefined && head.coversSince < before.toISOString();
    await this.#updateHead(head.control.environment, {
      sets: covers ? ['coversSince = :coversSince'] : [],
      removes: stale.map((_, index) => `#stale${index}`),
      names,
      values: covers ? { ':coversSince': before.toISOString() } : {},
    });
    return true;
  }

  async fillLedger(environment: string, since: Date, rollbacks: readonly DeploymentRecord[]): Promise<void> {
    const entries = rollbacks.flatMap((record) => rollbackEntryOf(record) ?? []);
    const chunks: RollbackEntry[][] = [];
    for (let start = 0; start < entries.length; start += FILL_CHUNK) chunks.push(entries.slice(start, start + FILL_CHUNK));
    if (chunks.length === 0) chunks.push([]);
    for (const [index, chunk] of chunks.entries()) {
      const isLast = index === chunks.length - 1;
      const names: Record<string, string> = Object.fromEntries(chunk.map((entry, position) => [`#entry${position}`, entryAttribute(entry.runId)]));
      const values: Record<string, unknown> = Object.fromEntries(chunk.map((entry, position) => [`:entry${position}`, entry]));
      // An entry already there was written by its own run, which knows more (a finish time).
      const sets = chunk.map((_, position) => `#entry${position} = if_not_exists(#entry${position}, :entry${position})`);
      if (isLast) {
        sets.push('coversSince = :since');
        values[':since'] = since.toISOString();
      }
      try {
        // Never narrows what another filling already covered.
        await this.#updateHead(environment, { sets, names, values, ...(isLast ? { condition: 'attribute_not_exists(coversSince) OR coversSince > :since' } : {}) });
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  async noteLive(environment: string, change: LiveChange, seen?: { live?: LiveState }): Promise<LiveState | undefined> {
    return this.#head.noteLive(environment, change, seen);
  }

  async scheduleCheck(environment: string, at: Date | undefined): Promise<void> {
    if (!at) {
      await this.#head.update(environment, { sets: [], removes: ['reconcileQueue', 'reconcileAt'], condition: 'attribute_exists(deploymentId)' }).catch((error: Error) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
      return;
    }
    await this.#head.update(environment, { sets: ['reconcileQueue = :queue', 'reconcileAt = :at'], values: { ':queue': RECONCILE_QUEUE, ':at': at.toISOString() } });
  }

  async noteReadiness(environment: string, report: ReadinessReport): Promise<void> {
    await this.#head.update(environment, { sets: ['readiness = :readiness'], values: { ':readiness': report } });
  }

  async #updateHead(environment: string, change: HeadUpdate): Promise<void> {
    await this.#head.update(environment, change);
  }

  async #read(environment: string): Promise<{ control: EnvironmentControl; version: number; head?: EnvironmentHead }> {
    const stored = await this.#head.read(environment);
    if (!stored) return { control: { environment, events: [] }, version: 0 };
    return { control: stored.head.control, version: stored.version, head: stored.head };
  }

  async #update(environment: string, change: (now: string, current: EnvironmentControl) => { pause: EnvironmentControl['pause']; event: ControlEvent }): Promise<EnvironmentControl> {
    for (let attempt = 1; ; attempt += 1) {
      const { control, version } = await this.#read(environment);
      const { pause, event } = change(this.#table.clock.now().toISOString(), control);
      const next: EnvironmentControl = { environment, ...(pause ? { pause } : {}), events: [event, ...control.events].slice(0, CONTROL_EVENTS_KEPT) };
      try {
        // Only the pause and its events: the ledger on the same item is the claims' to write.
        await this.#updateHead(environment, {
          sets: ['events = :events', '#version = :next', ...(pause ? ['pause = :pause'] : [])],
          removes: pause ? [] : ['pause'],
          condition: version === 0 ? 'attribute_not_exists(#version)' : '#version = :version',
          names: { '#version': 'version' },
          values: { ':events': next.events, ':next': version + 1, ...(pause ? { ':pause': pause } : {}), ...(version === 0 ? {} : { ':version': version }) },
        });
        return next;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= WRITE_ATTEMPTS) throw error;
        // Someone else's write landed first: read it again after a short, random pause.
        await new Promise((resume) => setTimeout(resume, Math.random() * 20 * attempt));
      }
    }
  }
}
