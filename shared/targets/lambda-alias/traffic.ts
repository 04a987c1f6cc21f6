import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { loadOnce } from '../../aws/load-once';
import type { TrafficWindow } from '../target-plugin';
import type { FunctionTraffic, LambdaAliasExpectation } from './lambda-alias-rules';

const cloudWatchSdk = loadOnce(() => import('@aws-sdk/client-cloudwatch'));

const MINUTE_MS = 60_000;
/** The known good's own record is read over the hour before the bad deployment started. */
export const BASELINE_MS = 3_600_000;

/** Lambda's metrics for an alias invocation, by the version that executed it. Pure. */
export function executedVersionQuery(id: string, metricName: 'Invocations' | 'Errors', functionName: string, alias: string, version: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [
          { Name: 'FunctionName', Value: functionName },
          { Name: 'Resource', Value: `${functionName}:${alias}` },
          { Name: 'ExecutedVersion', Value: version },
        ],
      },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: true,
  };
}

/** Each query's values over the window, by period start, every page read. */
async function series(cloudWatch: CloudWatchClient, queries: MetricDataQuery[], start: number, end: number): Promise<Map<string, { at: number; value: number }[]>> {
  const { GetMetricDataCommand } = await cloudWatchSdk();
  const found = new Map<string, { at: number; value: number }[]>(queries.map((query) => [query.Id!, []]));
  let nextToken: string | undefined;
  do {
    const page = await cloudWatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(start), EndTime: new Date(end), ScanBy: 'TimestampAscending', ...(nextToken ? { NextToken: nextToken } : {}) }));
    for (const result of page.MetricDataResults ?? []) {
      const values = result.Values ?? [];
      found.get(result.Id ?? '')?.push(...(result.Timestamps ?? []).flatMap((at, index) => (values[index] === undefined ? [] : [{ at: new Date(at).getTime(), value: values[index]! }])));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return found;
}

const total = (points: readonly { at: number; value: number }[] | undefined, from = -Infinity, to = Infinity) => (points ?? []).filter((point) => point.at >= from && point.at < to).reduce((sum, point) => sum + point.value, 0);

/**
 * What each function behind the alias served since the restore, read from CloudWatch in one
 * GetMetricData call from the minute the restore fell in: the restored version's invocations and
 * errors from that minute on (the version the alias did not route to before the restore served none
 * of it before; in a canary it served at most part of one minute before, still itself), so a still-bad
 * known good shows at the first poll its data reaches; the replaced version's invocations only in
 * complete minutes that began after the restore (earlier ones hold its traffic from before). The
 * restored version's baseline over the hour before the bad deployment is one more call, once per
 * version and deployment: it does not change.
 */
export async function readAliasTraffic(cloudWatch: CloudWatchClient, expectation: LambdaAliasExpectation, window: TrafficWindow, baselines: Map<string, { invocations: number; errors: number }>): Promise<FunctionTraffic[]> {
  const restoreMinute = Math.floor(window.restoredAt.getTime() / MINUTE_MS) * MINUTE_MS;
  const first = Math.ceil(window.restoredAt.getTime() / MINUTE_MS) * MINUTE_MS;
  const now = Math.floor(window.now.getTime() / 1_000) * 1_000;
  const periods = Math.max(0, Math.floor((now - first) / MINUTE_MS));
  const functions = Object.entries(expectation.versions);
  const after: MetricDataQuery[] = functions.flatMap(([functionName, good], index) => [
    executedVersionQuery(`good${index}`, 'Invocations', functionName, expectation.alias, good),
    executedVersionQuery(`errors${index}`, 'Errors', functionName, expectation.alias, good),
    ...(expectation.replaced?.[functionName] ? [executedVersionQuery(`bad${index}`, 'Invocations', functionName, expectation.alias, expectation.replaced[functionName])] : []),
  ]);
  const seen = now > restoreMinute ? await series(cloudWatch, after, restoreMinute, now) : new Map<string, { at: number; value: number }[]>();
  const until = expectation.baselineUntil ? Math.floor(Date.parse(expectation.baselineUntil) / MINUTE_MS) * MINUTE_MS : undefined;
  const missing = until === undefined ? [] : functions.filter(([functionName, good]) => !baselines.has(`${functionName}|${good}|${until}`));
  if (until !== undefined && missing.length > 0) {
    const queries = missing.flatMap(([functionName, good], index) => [
      executedVersionQuery(`invocations${index}`, 'Invocations', functionName, expectation.alias, good),
      executedVersionQuery(`errors${index}`, 'Errors', functionName, expectation.alias, good),
    ]);
    const totals = await series(cloudWatch, queries, until - BASELINE_MS, until);
    missing.forEach(([functionName, good], index) => baselines.set(`${functionName}|${good}|${until}`, { invocations: total(totals.get(`invocations${index}`)), errors: total(totals.get(`errors${index}`)) }));
  }
  return functions.map(([functionName, good], index) => ({
    functionName,
    badInvocations: total(seen.get(`bad${index}`), first, first + periods * MINUTE_MS),
    goodInvocations: total(seen.get(`good${index}`)),
    goodErrors: total(seen.get(`errors${index}`)),
    periods,
    baseline: until === undefined ? { invocations: 0, errors: 0 } : (baselines.get(`${functionName}|${good}|${until}`) ?? { invocations: 0, errors: 0 }),
  }));
}
