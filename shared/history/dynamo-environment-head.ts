import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HEAD_SORT_KEY, headId, parseHead, type EnvironmentHead } from './environment-head';
import { RECONCILE_QUEUE } from './table-schema';
import type { HistoryTableAccess } from './history-table-access';
import { nextLiveState, sameValue, type LiveChange, type LiveState } from './live-state';

/** Concurrent writers of one head's live state: each retries on a fresh read this many times (one lands per round). */
const LIVE_WRITE_ATTEMPTS = 8;

export interface HeadUpdate {
  sets: string[];
  removes?: string[];
  condition?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/**
 * The environment head's item (`control#<environment>`), as every adapter writes it: each update
 * (re)states the keys that put it in its environment's `byEnvironment` partition, above every
 * deployment, so the pair's one Query always reads it first.
 */
export class EnvironmentHeadTable {
  constructor(private readonly table: HistoryTableAccess) {}

  /** The head as stored now (a consistent read), with the stored item's `version` for read-modify-write; undefined when there is none yet. */
  async read(environment: string): Promise<{ head: EnvironmentHead; version: number; hasMalformedLive: boolean } | undefined> {
    const result = await this.table.call(() => this.table.client.send(new GetCommand({ TableName: this.table.tableName, Key: { deploymentId: headId(environment) }, ConsistentRead: true })));
    if (!result.Item) return undefined;
    const head = parseHead(environment, result.Item);
    return { head, version: typeof result.Item.version === 'number' ? result.Item.version : 0, hasMalformedLive: result.Item.live !== undefined && head.live === undefined };
  }

  async update(environment: string, change: HeadUpdate): Promise<void> {
    const sets = ['environment = :environment', 'startedAt = :headKey', ...change.sets];
    const removes = change.removes ?? [];
    const names = change.names ?? {};
    await this.table.call(() =>
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: { deploymentId: headId(environment) },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ...(change.condition ? { ConditionExpression: change.condition } : {}),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: { ':environment': environment, ':headKey': HEAD_SORT_KEY, ...change.values },
        }),
      ),
    );
  }

  /**
   * Moves the kept live state for an event that moved traffic: a conditional write on the live state
   * as read, so concurrent writers land one at a time, and an event older than what is kept changes
   * nothing. Returns the live state written, or undefined when the event was older.
   */
  async noteLive(environment: string, change: LiveChange, seen?: { live?: LiveState }): Promise<LiveState | undefined> {
    const stored = seen ? undefined : await this.read(environment);
    let current = seen ? seen.live : stored?.head.live;
    // A live state that no longer parses is replaced, never kept in the way of every later event.
    let isMalformed = stored?.hasMalformedLive ?? false;
    for (let attempt = 1; ; attempt += 1) {
      const next = nextLiveState(current, change);
      if (!next) return undefined;
      // A repeat (the same event recorded again) finds it as it would leave it: nothing to write.
      if (current && sameValue(current, next)) return next;
      try {
        await this.update(environment, {
          // What is live moved: its rollback readiness is due a check (the reconcile queue).
          sets: ['#live = :live', 'reconcileQueue = :queue', 'reconcileAt = :checkAt'],
          condition: current ? '#live.#since = :seenSince AND #live.deploymentId = :seenId' : isMalformed ? 'attribute_exists(#live)' : 'attribute_not_exists(#live)',
          names: { '#live': 'live', ...(current ? { '#since': 'since' } : {}) },
          values: { ':live': next, ':queue': RECONCILE_QUEUE, ':checkAt': this.table.clock.now().toISOString(), ...(current ? { ':seenSince': current.since, ':seenId': current.deploymentId } : {}) },
        });
        return next;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= LIVE_WRITE_ATTEMPTS) throw error;
        // Another event moved it first: decide again from what is there now.
        const fresh = await this.read(environment);
        current = fresh?.head.live;
        isMalformed = fresh?.hasMalformedLive ?? false;
      }
    }
  }
}
