import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Datapoint } from '../evidence/alarm-judge';
import type { TargetLocation } from '../../targets/target-plugin';
import { cloudWatchResolver, type CloudWatchSource, type MetricDataReader, type MetricDataRequest } from './check-ports';

/** GetMetricData takes at most 500 queries per call. */
export const QUERIES_PER_CALL = 500;

/**
 * Reads the data behind alarms with as few GetMetricData calls as the limits allow: single-metric
 * alarms share calls (500 queries each, their ids made unique), an alarm with metric math gets a call
 * of its own (its expressions name its own ids). Every page is read. A call that fails fails only its
 * alarms: they get the error, the others their datapoints.
 */
export class CloudWatchMetricReader implements MetricDataReader {
  readonly #clientFor: (location: TargetLocation | undefined) => Promise<CloudWatchClient>;

  /** Requests are grouped by where they are read, one client each. */
  constructor(cloudWatch: CloudWatchSource) {
    this.#clientFor = cloudWatchResolver(cloudWatch);
  }

  async read(requests: readonly MetricDataRequest[], window: { start: Date; end: Date }): Promise<Map<string, Datapoint[] | { error: string }>> {
    const byLocation = new Map<string, MetricDataRequest[]>();
    for (const request of requests) {
      const where = `${request.location?.region ?? ''}|${request.location?.roleArn ?? ''}`;
      (byLocation.get(where) ?? byLocation.set(where, []).get(where)!).push(request);
    }
    const results = new Map<string, Datapoint[] | { error: string }>();
    await Promise.all(
      [...byLocation.values()].map(async (group) => {
        const calls = planCalls(group);
        const cloudWatch = await this.#clientFor(group[0]!.location);
        const answers = await Promise.all(calls.map((call) => this.#call(cloudWatch, call.queries, window).catch((error: Error) => ({ error: `${error.name}: ${error.message}` }))));
        calls.forEach((call, index) => {
          const answer = answers[index]!;
          for (const [key, id] of call.resultIds) results.set(key, 'error' in answer ? answer : (answer.get(id) ?? []));
        });
      }),
    );
    return results;
  }

  async #call(cloudWatch: CloudWatchClient, queries: MetricDataQuery[], window: { start: Date; end: Date }): Promise<Map<string, Datapoint[]>> {
    const byId = new Map<string, Datapoint[]>();
    let nextToken: string | undefined;
    do {
      const page = await cloudWatch.send(
        new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: window.start, EndTime: window.end, ScanBy: 'TimestampAscending', ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const points = byId.get(result.Id ?? '') ?? [];
        (result.Timestamps ?? []).forEach((timestamp, index) => points.push({ at: timestamp.getTime(), value: result.Values?.[index] ?? Number.NaN }));
        byId.set(result.Id ?? '', points);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return byId;
  }
}

/** The calls for a set of requests, each with the query id that answers each request. Pure. */
export function planCalls(requests: readonly MetricDataRequest[]): { queries: MetricDataQuery[]; resultIds: [string, string][] }[] {
  const calls: { queries: MetricDataQuery[]; resultIds: [string, string][] }[] = [];
  let shared: { queries: MetricDataQuery[]; resultIds: [string, string][] } | undefined;
  for (const request of requests) {
    if (request.separateCall) {
      calls.push({ queries: request.queries, resultIds: [[request.key, request.resultId]] });
      continue;
    }
    if (!shared || shared.queries.length + request.queries.length > QUERIES_PER_CALL) {
      shared = { queries: [], resultIds: [] };
      calls.push(shared);
    }
    // Ids must be unique in a call and start with a lowercase letter.
    const prefix = `q${shared.resultIds.length}_`;
    for (const query of request.queries) shared.queries.push({ ...query, Id: `${prefix}${query.Id}` });
    shared.resultIds.push([request.key, `${prefix}${request.resultId}`]);
  }
  return calls;
}
