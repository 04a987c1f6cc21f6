import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  CONTROL_EVENTS_KEPT,
  controlEventSchema,
  environmentPauseSchema,
  pauseInForce,
  type ControlEvent,
  type EnvironmentControl,
  type EnvironmentControls,
} from './environment-controls';
import { HistoryTableAccess, type HistoryTableOptions } from './history-table-access';

const storedControlSchema = z.object({
  environment: z.string(),
  pause: environmentPauseSchema.optional(),
  events: z.array(controlEventSchema).default([]),
  version: z.number().int().nonnegative(),
});

/** Concurrent pauses and resumes of one environment: each is retried on a fresh read this many times (one lands per round). */
const WRITE_ATTEMPTS = 10;

/**
 * One item per environment (`control#<environment>`), outside both indexes (it has no start time),
 * written read-modify-write under a version condition: two people pausing at once both land, in order.
 */
export class DynamoEnvironmentControls implements EnvironmentControls {
  readonly #table: HistoryTableAccess;

  constructor(options: HistoryTableOptions) {
    this.#table = new HistoryTableAccess(options);
  }

  async read(environment: string): Promise<EnvironmentControl> {
    const { control } = await this.#read(environment);
    return control;
  }

  async pause(input: { environment: string; by: string; reason: string; until: Date }): Promise<EnvironmentControl> {
    return this.#update(input.environment, (now) => {
      const pause = { by: input.by, reason: input.reason, at: now, until: input.until.toISOString() };
      return { pause, event: { action: 'pause', by: input.by, reason: input.reason, at: now, until: pause.until } };
    });
  }

  async resume(input: { environment: string; by: string; reason?: string }): Promise<{ control: EnvironmentControl; wasPaused: boolean }> {
    let wasPaused = false;
    const control = await this.#update(input.environment, (now, current) => {
      wasPaused = pauseInForce(current, new Date(now)) !== undefined;
      return { pause: undefined, event: { action: 'resume', by: input.by, ...(input.reason ? { reason: input.reason } : {}), at: now } };
    });
    return { control, wasPaused };
  }

  async #read(environment: string): Promise<{ control: EnvironmentControl; version: number }> {
    const result = await this.#table.call(() => this.#table.client.send(new GetCommand({ TableName: this.#table.tableName, Key: { deploymentId: `control#${environment}` }, ConsistentRead: true })));
    if (!result.Item) return { control: { environment, events: [] }, version: 0 };
    const stored = storedControlSchema.parse(result.Item);
    return { control: { environment, ...(stored.pause ? { pause: stored.pause } : {}), events: stored.events }, version: stored.version };
  }

  async #update(environment: string, change: (now: string, current: EnvironmentControl) => { pause: EnvironmentControl['pause']; event: ControlEvent }): Promise<EnvironmentControl> {
    for (let attempt = 1; ; attempt += 1) {
      const { control, version } = await this.#read(environment);
      const { pause, event } = change(this.#table.clock.now().toISOString(), control);
      const next: EnvironmentControl = { environment, ...(pause ? { pause } : {}), events: [event, ...control.events].slice(0, CONTROL_EVENTS_KEPT) };
      try {
        await this.#table.call(() =>
          this.#table.client.send(
            new PutCommand({
              TableName: this.#table.tableName,
              Item: { deploymentId: `control#${environment}`, ...next, version: version + 1 },
              ConditionExpression: version === 0 ? 'attribute_not_exists(deploymentId)' : '#version = :version',
              ...(version === 0 ? {} : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': version } }),
            }),
          ),
        );
        return next;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= WRITE_ATTEMPTS) throw error;
        // Someone else's write landed first: read it again after a short, random pause.
        await new Promise((resume) => setTimeout(resume, Math.random() * 20 * attempt));
      }
    }
  }
}
