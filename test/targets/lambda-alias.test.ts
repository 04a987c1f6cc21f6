import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { lambdaAliasTarget } from '../../shared/targets/lambda-alias';
import { describeTargetContract } from '../helpers/target-contract';

const config = { type: 'lambda-alias', alias: 'live', functions: ['shop-prod-api', 'shop-prod-worker'] };
const fn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;
const aliases = ['shop-prod-api', 'shop-prod-worker'].flatMap((name) => [fn(name), `${fn(name)}:live`]);

describeTargetContract({
  plugin: lambdaAliasTarget,
  config,
  bad: { versions: { 'shop-prod-api': '42', 'shop-prod-worker': '17' } },
  good: { versions: { 'shop-prod-api': '41', 'shop-prod-worker': '16' } },
  flagValues: ['shop-prod-api=41', 'shop-prod-worker=16'],
  invalid: { field: 'alias', value: '7', problem: 'alias: must be a Lambda alias name' },
  iam: {
    restore: { 'lambda:GetAlias': aliases, 'lambda:UpdateAlias': aliases },
    check: { 'lambda:GetAlias': aliases },
    capture: { 'lambda:GetAlias': aliases },
    readiness: { 'lambda:GetFunctionConfiguration': ['shop-prod-api', 'shop-prod-worker'].flatMap((name) => [fn(name), `${fn(name)}:*`]), 'lambda:GetAlias': aliases },
  },
  wildcards: ['lambda:GetFunctionConfiguration'],
});

describe('the Lambda alias target against AWS (aws-sdk-client-mock)', () => {
  const lambdaMock = mockClient(LambdaClient);
  const driver = lambdaAliasTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = lambdaAliasTarget.configSchema.parse(config);

  beforeEach(() => lambdaMock.reset());

  it('captures what each alias serves now, and refuses to record an alias it cannot read', async () => {
    lambdaMock.on(GetAliasCommand, { FunctionName: 'shop-prod-api' }).resolves({ FunctionVersion: '41' }).on(GetAliasCommand, { FunctionName: 'shop-prod-worker' }).resolves({ FunctionVersion: '16' });

    expect(await driver.capture(parsed, {})).toEqual({ versions: { 'shop-prod-api': '41', 'shop-prod-worker': '16' } });
    expect(lambdaMock.commandCalls(GetAliasCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'shop-prod-api', Name: 'live' },
      { FunctionName: 'shop-prod-worker', Name: 'live' },
    ]);
    lambdaMock.on(GetAliasCommand, { FunctionName: 'shop-prod-worker' }).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(driver.capture(parsed, {})).rejects.toThrow('cannot read alias live of shop-prod-worker (AccessDeniedException: denied)');
  });

  it('tries a refused alias once more, and when it is refused again says per function what serves traffic now', async () => {
    const point = { versions: { 'shop-prod-api': '41', 'shop-prod-worker': '16' } };
    const denied = Object.assign(new Error('not authorized to perform: lambda:UpdateAlias'), { name: 'AccessDeniedException' });
    const request = { environment: 'production', runId: 'r', config: parsed, to: point, fromVersion: '2', fromDeploymentId: 'bad-1', toVersion: '1', toDeploymentId: 'good-1', reason: 'x', simulate: false, resumed: false };
    lambdaMock.on(UpdateAliasCommand, { FunctionName: 'shop-prod-api' }).resolves({}).on(UpdateAliasCommand, { FunctionName: 'shop-prod-worker' }).rejectsOnce(denied).resolves({});

    const retried = await driver.restore(request);

    expect(retried).toMatchObject({ outcome: 'restored' });
    expect(lambdaMock.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input.FunctionName)).toEqual(['shop-prod-api', 'shop-prod-worker', 'shop-prod-worker']);

    lambdaMock.reset();
    lambdaMock.on(UpdateAliasCommand, { FunctionName: 'shop-prod-api' }).resolves({}).on(UpdateAliasCommand, { FunctionName: 'shop-prod-worker' }).rejects(denied);
    lambdaMock.on(GetAliasCommand, { FunctionName: 'shop-prod-api' }).resolves({ FunctionVersion: '41' }).on(GetAliasCommand, { FunctionName: 'shop-prod-worker' }).resolves({ FunctionVersion: '17' });

    expect(await driver.restore(request)).toEqual({
      outcome: 'failed',
      detail: 'alias live: shop-prod-worker: AccessDeniedException: not authorized to perform: lambda:UpdateAlias (tried twice); now shop-prod-api serves 41 (restored), shop-prod-worker serves 17',
    });
  });

  it('is ready to restore while every recorded version exists, and says which is gone when one is not', async () => {
    const point = { versions: { 'shop-prod-api': '41', 'shop-prod-worker': '16' } };
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ State: 'Active' });

    expect(await driver.readiness(parsed, point)).toEqual({ ready: true, detail: 'versions shop-prod-api=41, shop-prod-worker=16 exist' });
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'shop-prod-api', Qualifier: '41' },
      { FunctionName: 'shop-prod-worker', Qualifier: '16' },
    ]);
    lambdaMock.on(GetFunctionConfigurationCommand, { FunctionName: 'shop-prod-worker', Qualifier: '16' }).rejects(Object.assign(new Error('Function not found: shop-prod-worker:16'), { name: 'ResourceNotFoundException' }));
    expect(await driver.readiness(parsed, point)).toEqual({ ready: false, detail: 'shop-prod-worker version 16: ResourceNotFoundException: Function not found: shop-prod-worker:16' });
  });

  it('fails, changing nothing, when the known good recorded no version for a function', async () => {
    const result = await driver.restore({
      environment: 'production',
      runId: 'r',
      config: parsed,
      to: { versions: { 'shop-prod-api': '41' } },
      fromVersion: '2',
      fromDeploymentId: 'bad-1',
      toVersion: '1',
      toDeploymentId: 'good-1',
      reason: 'x',
      simulate: false,
      resumed: false,
    });

    expect(result).toEqual({ outcome: 'failed', detail: 'known-good deployment good-1 recorded no version for shop-prod-worker: cannot restore them' });
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });
});

describe('the traffic after a Lambda alias restore, read from CloudWatch (aws-sdk-client-mock)', () => {
  const cloudWatchMock = mockClient(CloudWatchClient);
  const driver = lambdaAliasTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = lambdaAliasTarget.configSchema.parse({ type: 'lambda-alias', alias: 'live', functions: ['shop-prod-api'] });
  const expectation = { target: 'lambda-alias' as const, alias: 'live', versions: { 'shop-prod-api': '41' }, replaced: { 'shop-prod-api': '42' }, baselineUntil: '2026-11-23T09:40:30.000Z' };
  const errorRate = { minimumIncrease: 0.01, alpha: 0.01, beta: 0.01 };
  const query = (id: string, metric: string, version: string) => ({
    Id: id,
    MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: 'shop-prod-api' }, { Name: 'Resource', Value: 'shop-prod-api:live' }, { Name: 'ExecutedVersion', Value: version }] }, Period: 60, Stat: 'Sum' },
    ReturnData: true,
  });
  const at = (iso: string) => new Date(iso);

  beforeEach(() => cloudWatchMock.reset());

  it('reads the known good from the minute the restore fell in, so a still-bad known good is seen before a complete minute; the bad version only in complete minutes after it', async () => {
    cloudWatchMock
      .on(GetMetricDataCommand, { StartTime: at('2026-11-23T10:00:00.000Z') })
      .resolves({ MetricDataResults: [
        { Id: 'good0', Timestamps: [at('2026-11-23T10:00:00.000Z')], Values: [120] },
        { Id: 'errors0', Timestamps: [at('2026-11-23T10:00:00.000Z')], Values: [12] },
        // Before the restore, in the minute it fell in: the bad version's own traffic, not evidence against the restore.
        { Id: 'bad0', Timestamps: [at('2026-11-23T10:00:00.000Z')], Values: [300] },
      ] })
      .on(GetMetricDataCommand, { StartTime: at('2026-11-23T08:40:00.000Z') })
      .resolves({ MetricDataResults: [{ Id: 'invocations0', Timestamps: [at('2026-11-23T09:00:00.000Z')], Values: [36_000] }, { Id: 'errors0', Timestamps: [at('2026-11-23T09:00:00.000Z')], Values: [36] }] });

    const evidence = await driver.evidence!(parsed, expectation, { restoredAt: at('2026-11-23T10:00:30.000Z'), now: at('2026-11-23T10:00:40.500Z'), errorRate });

    expect(cloudWatchMock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input)).toEqual([
      { MetricDataQueries: [query('good0', 'Invocations', '41'), query('errors0', 'Errors', '41'), query('bad0', 'Invocations', '42')], StartTime: at('2026-11-23T10:00:00.000Z'), EndTime: at('2026-11-23T10:00:40.000Z'), ScanBy: 'TimestampAscending' },
      { MetricDataQueries: [query('invocations0', 'Invocations', '41'), query('errors0', 'Errors', '41')], StartTime: at('2026-11-23T08:40:00.000Z'), EndTime: at('2026-11-23T09:40:00.000Z'), ScanBy: 'TimestampAscending' },
    ]);
    expect(evidence).toEqual([{ check: 'traffic shop-prod-api', basis: 'traffic', datapoints: 120, verdict: 'not_recovered', detail: expect.stringMatching(/^12 error\(s\) in 120 invocation\(s\) of the known good \(10\.0%\) against its own 0\.10% before the bad deployment: worse by at least 1\.0%/) }]);
  });

  it('calls a known good no worse recovered only once a complete minute after the restore shows the bad version serving nothing', async () => {
    const clean = (bad: number) => ({ MetricDataResults: [
      { Id: 'good0', Timestamps: [at('2026-11-23T10:00:00.000Z'), at('2026-11-23T10:01:00.000Z')], Values: [2_000, 4_000] },
      { Id: 'errors0', Timestamps: [at('2026-11-23T10:01:00.000Z')], Values: [4] },
      { Id: 'bad0', Timestamps: [at('2026-11-23T10:00:00.000Z'), at('2026-11-23T10:01:00.000Z')], Values: [300, bad] },
    ] });
    const baseline = { MetricDataResults: [{ Id: 'invocations0', Timestamps: [at('2026-11-23T09:00:00.000Z')], Values: [36_000] }, { Id: 'errors0', Timestamps: [at('2026-11-23T09:00:00.000Z')], Values: [36] }] };
    const window = { restoredAt: at('2026-11-23T10:00:30.000Z'), errorRate };

    cloudWatchMock.on(GetMetricDataCommand, { StartTime: at('2026-11-23T08:40:00.000Z') }).resolves(baseline).on(GetMetricDataCommand, { StartTime: at('2026-11-23T10:00:00.000Z') }).resolves(clean(0));
    expect(await driver.evidence!(parsed, expectation, { ...window, now: at('2026-11-23T10:00:59.000Z') })).toMatchObject([{ verdict: 'inconclusive', detail: expect.stringContaining('no complete minute since the restore yet shows the bad version serving nothing') }]);
    expect(await driver.evidence!(parsed, expectation, { ...window, now: at('2026-11-23T10:02:05.000Z') })).toMatchObject([{ verdict: 'recovered', datapoints: 6_000 }]);
    cloudWatchMock.on(GetMetricDataCommand, { StartTime: at('2026-11-23T10:00:00.000Z') }).resolves(clean(7));
    expect(await driver.evidence!(parsed, expectation, { ...window, now: at('2026-11-23T10:02:05.000Z') })).toMatchObject([{ verdict: 'not_recovered', detail: 'the bad version still served 7 invocation(s) after the restore' }]);
  });
});
