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

/** Each query's sum over the window, every page read. */
async function sums(cloudWatch: CloudWatchClient, queries: MetricDataQuery[], start: number, end: number): Promise<Map<string, number>> {
  const { GetMetricDataCommand } = await cloudWatchSdk();
  const totals = new Map<string, number>(queries.map((query) => [query.Id!, 0]));
  let nextToken: string | undefined;
  do {
    const page = await cloudWatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(start), EndTime: new Date(end), ScanBy: 'TimestampAscending', ...(nextToken ? { NextToken: nextToken } : {}) }));
    for (const result of page.MetricDataResults ?? []) totals.set(result.Id ?? '', (totals.get(result.Id ?? '') ?? 0) + (result.Values ?? []).reduce((sum, value) => sum + value, 0));
    nextToken = page.NextToken;
  } while (nextToken);
  return totals;
}

/**
 * What each function behind the alias served since the restore, read from CloudWatch: the complete
 * minutes that began at or after it (invocations of the version it replaced, invocations and errors
 * of the restored one: one GetMetricData call), and the restored version's baseline over the hour
 * before the bad deployment (one more call, once per version and deployment: it does not change).
 */
export async function readAliasTraffic(cloudWatch: CloudWatchClient, expectation: LambdaAliasExpectation, window: TrafficWindow, baselines: Map<string, { invocations: number; errors: number }>): Promise<FunctionTraffic[]> {
  const first = Math.ceil(window.restoredAt.getTime() / MINUTE_MS) * MINUTE_MS;
  const periods = Math.max(0, Math.floor((window.now.getTime() - first) / MINUTE_MS));
  const functions = Object.entries(expectation.versions);
  const after: MetricDataQuery[] = functions.flatMap(([functionName, good], index) => [
    executedVersionQuery(`good${index}`, 'Invocations', functionName, expectation.alias, good),
    executedVersionQuery(`errors${index}`, 'Errors', functionName, expectation.alias, good),
    ...(expectation.replaced?.[functionName] ? [executedVersionQuery(`bad${index}`, 'Invocations', functionName, expectation.alias, expectation.replaced[functionName])] : []),
  ]);
  const seen = periods > 0 ? await sums(cloudWatch, after, first, first + periods * MINUTE_MS) : new Map<string, number>();
  const until = expectation.baselineUntil ? Math.floor(Date.parse(expectation.baselineUntil) / MINUTE_MS) * MINUTE_MS : undefined;
  const missing = until === undefined ? [] : functions.filter(([functionName, good]) => !baselines.has(`${functionName}|${good}|${until}`));
  if (until !== undefined && missing.length > 0) {
    const queries = missing.flatMap(([functionName, good], index) => [
      executedVersionQuery(`invocations${index}`, 'Invocations', functionName, expectation.alias, good),
      executedVersionQuery(`errors${index}`, 'Errors', functionName, expectation.alias, good),
    ]);
    const totals = await sums(cloudWatch, queries, until - BASELINE_MS, until);
    missing.forEach(([functionName, good], index) => baselines.set(`${functionName}|${good}|${until}`, { invocations: totals.get(`invocations${index}`) ?? 0, errors: totals.get(`errors${index}`) ?? 0 }));
  }
  return functions.map(([functionName, good], index) => ({
    functionName,
    badInvocations: seen.get(`bad${index}`) ?? 0,
    goodInvocations: seen.get(`good${index}`) ?? 0,
    goodErrors: seen.get(`errors${index}`) ?? 0,
    periods,
    baseline: until === undefined ? { invocations: 0, errors: 0 } : (baselines.get(`${functionName}|${good}|${until}`) ?? { invocations: 0, errors: 0 }),
  }));
}
