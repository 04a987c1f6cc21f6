import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CodePipelineClient, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../shared/time/clock';
import type { AlarmObservation, CheckPorts } from '../../shared/validation/checks/check-ports';
import { judgeStage } from '../../shared/targets/codepipeline-stage/codepipeline-stage-rules';
import { judgeAliases } from '../../shared/targets/lambda-alias/lambda-alias-rules';
import type { TargetDrivers } from '../../shared/targets/target-drivers';
import { CloudWatchAlarmReader } from '../../shared/validation/checks/cloudwatch-alarm-reader';
import { HttpHealthProbe } from '../../shared/validation/checks/http-health-probe';
import { CloudWatchMetricReader, planCalls } from '../../shared/validation/checks/cloudwatch-metric-reader';
import type { Evidence } from '../../shared/validation/evidence/evidence';
import { dataRequestsFor, validateRollback } from '../../shared/validation/validate-rollback';
import { validationRequestSchema, type ValidationRequest, type ValidationResult } from '../../shared/validation/validation-contract';
import { findFreePort } from '../../shared/local/dynamodb-local';
import { fakeContext } from '../helpers/lambda-context';

const cloudWatchMock = mockClient(CloudWatchClient);
const lambdaMock = mockClient(LambdaClient);
const pipelineMock = mockClient(CodePipelineClient);

/** A health endpoint on 127.0.0.1 whose answer each test sets. */
let server: Server;
let baseUrl: string;
let respond: (path: string) => { status: number; body?: string; delayMs?: number } = () => ({ status: 200, body: '{"version":"1.3.0"}' });

beforeAll(async () => {
  server = createServer((request, response) => {
    const { status, body, delayMs } = respond(request.url ?? '/');
    setTimeout(() => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body ?? '');
    }, delayMs ?? 0);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((closed) => server.close(() => closed())));
beforeEach(() => {
  cloudWatchMock.reset();
  lambdaMock.reset();
  pipelineMock.reset();
});

describe('alarm reader (DescribeAlarms)', () => {
  it('reads metric and composite alarms for every prefix, across pages', async () => {
    cloudWatchMock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-prod-', NextToken: undefined })
      .resolves({ MetricAlarms: [{ AlarmName: 'shop-prod-5xx', StateValue: 'OK', StateReason: 'fine' }], NextToken: 'page-2' })
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-prod-', NextToken: 'page-2' })
      .resolves({ CompositeAlarms: [{ AlarmName: 'shop-prod-checkout', StateValue: 'ALARM', StateReason: 'child in ALARM' }] })
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-edge-' })
      .resolves({ MetricAlarms: [{ AlarmName: 'shop-edge-latency', StateValue: 'INSUFFICIENT_DATA' }] });

    const alarms = await new CloudWatchAlarmReader(new CloudWatchClient({ region: 'eu-west-1' })).readAlarms({ prefixes: ['shop-prod-', 'shop-edge-'], names: [] });

    expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input)).toEqual([
      { AlarmNamePrefix: 'shop-prod-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: undefined },
      { AlarmNamePrefix: 'shop-edge-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: undefined },
      { AlarmNamePrefix: 'shop-prod-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: 'page-2' },
    ]);
    expect(alarms.map(({ dataPlan, rule, children, ...alarm }) => alarm)).toEqual([
      { name: 'shop-prod-5xx', type: 'metric', state: 'OK', reason: 'fine' },
      { name: 'shop-edge-latency', type: 'metric', state: 'INSUFFICIENT_DATA', reason: '' },
      { name: 'shop-prod-checkout', type: 'composite', state: 'ALARM', reason: 'child in ALARM' },
    ]);
    // Shapes without a threshold to judge datapoints by are judged by state, and say why.
    expect(alarms[0]?.dataPlan).toEqual({ kind: 'state', why: 'no static threshold, comparison or evaluation periods to judge its datapoints by' });
  });

  it('gives each alarm its recovery window: a metric alarm’s from its period and datapoints, a composite’s from its slowest child, read by name', async () => {
    cloudWatchMock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-prod-' })
      .resolves({
        MetricAlarms: [
          { AlarmName: 'shop-prod-5xx', StateValue: 'ALARM', Period: 60, EvaluationPeriods: 3 },
          { AlarmName: 'shop-prod-p99', StateValue: 'OK', EvaluationPeriods: 5, DatapointsToAlarm: 2, Metrics: [{ Id: 'm1', MetricStat: { Metric: { MetricName: 'Latency' }, Period: 300, Stat: 'p99' } }, { Id: 'e1', Expression: 'm1 * 2' }] },
        ],
        CompositeAlarms: [{ AlarmName: 'shop-prod-checkout', StateValue: 'ALARM', AlarmRule: 'ALARM("shop-prod-5xx") OR ALARM(arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-payments-errors)' }],
      })
      .on(DescribeAlarmsCommand, { AlarmNames: ['shop-payments-errors'] })
      .resolves({ MetricAlarms: [{ AlarmName: 'shop-payments-errors', StateValue: 'ALARM', Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3 }] });

    const alarms = await new CloudWatchAlarmReader(new CloudWatchClient({ region: 'eu-west-1' })).readAlarms({ prefixes: ['shop-prod-'], names: [] });

    expect(alarms.map(({ dataPlan, rule, children, ...alarm }) => alarm)).toEqual([
      { name: 'shop-prod-5xx', type: 'metric', state: 'ALARM', reason: '', recoveryWindowMs: 120_000, shape: 'period 60 s, 3 of 3 datapoints' },
      { name: 'shop-prod-p99', type: 'metric', state: 'OK', reason: '', recoveryWindowMs: 1_500_000, shape: 'period 300 s, 2 of 5 datapoints' },
      { name: 'shop-prod-checkout', type: 'composite', state: 'ALARM', reason: '', recoveryWindowMs: 240_000, shape: 'shop-payments-errors: period 60 s, 3 of 5 datapoints' },
    ]);
    // The composite is judged on its children, read by name.
    expect(alarms[2]).toMatchObject({ rule: 'ALARM("shop-prod-5xx") OR ALARM(arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-payments-errors)', children: [{ name: 'shop-prod-5xx' }, { name: 'shop-payments-errors' }] });
    expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input)).toEqual([
      { AlarmNamePrefix: 'shop-prod-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: undefined },
      { AlarmNames: ['shop-payments-errors'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: undefined },
    ]);
  });

  it('reads alarms by name as well (an alarm routed by its tag matches no prefix), each alarm once', async () => {
    cloudWatchMock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-prod-' })
      .resolves({ MetricAlarms: [{ AlarmName: 'shop-prod-5xx', StateValue: 'OK', StateReason: 'fine' }] })
      .on(DescribeAlarmsCommand, { AlarmNames: ['checkout-latency', 'shop-prod-5xx'] })
      .resolves({ MetricAlarms: [{ AlarmName: 'checkout-latency', StateValue: 'ALARM', StateReason: 'p99 high' }, { AlarmName: 'shop-prod-5xx', StateValue: 'OK', StateReason: 'fine' }] });

    const alarms = await new CloudWatchAlarmReader(new CloudWatchClient({ region: 'eu-west-1' })).readAlarms({ prefixes: ['shop-prod-'], names: ['checkout-latency', 'shop-prod-5xx'] });

    expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input)).toEqual([
      { AlarmNamePrefix: 'shop-prod-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: undefined },
      { AlarmNames: ['checkout-latency', 'shop-prod-5xx'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: undefined },
    ]);
    expect(alarms.map((alarm) => [alarm.name, alarm.state])).toEqual([
      ['shop-prod-5xx', 'OK'],
      ['checkout-latency', 'ALARM'],
    ]);
  });
});

describe('health probe (real HTTP on 127.0.0.1)', () => {
  const probe = new HttpHealthProbe();

  it.each([
    ['a 200 with the version', { status: 200, body: '{"version":"1.3.0"}' }, { status: 200, version: '1.3.0' }],
    ['a nested version field', { status: 200, body: '{"build":{"version":"1.3.0"}}' }, { status: 200, version: '1.3.0' }],
    ['a 500', { status: 500, body: '{"version":"1.3.0"}' }, { status: 500 }],
    ['a body that is not JSON', { status: 200, body: 'OK' }, { status: 200, error: 'the response is not JSON' }],
    ['a body without the field', { status: 200, body: '{"ok":true}' }, { status: 200, error: 'no "build.version" in the response' }],
  ])('reads %s', async (_, answer, expected) => {
    respond = () => answer;
    const versionField = answer.body.includes('build') || answer.body.includes('ok') ? 'build.version' : 'version';

    expect(await probe.probe({ url: `${baseUrl}/health`, timeoutMs: 1_000, versionField })).toMatchObject(expected);
  });

  it('gives up on a slow endpoint at its timeout', async () => {
    respond = () => ({ status: 200, body: '{}', delayMs: 500 });

    expect(await probe.probe({ url: `${baseUrl}/slow`, timeoutMs: 100 })).toEqual({ url: `${baseUrl}/slow`, error: 'no complete answer within 100 ms' });
  });

  it.each([
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'not probed: the URL must not address 169.254.169.254'],
    ['a URL with a password', 'https://admin:hunter2@shop.example.com/health', 'https://shop.example.com/health', 'not probed: the URL must not contain credentials'],
  ])('never fetches %s, and never shows a password', async (_, url, shownUrl, error) => {
    const observation = await probe.probe({ url, timeoutMs: 1_000 });

    expect(observation).toEqual({ url: shownUrl, error: expect.stringContaining(error) });
    expect(JSON.stringify(observation)).not.toContain('hunter2');
  });

  it('reports a refused connection', async () => {
    const closedPort = await findFreePort();

    expect(await probe.probe({ url: `http://127.0.0.1:${closedPort}/health`, timeoutMs: 1_000 })).toMatchObject({ error: 'ECONNREFUSED' });
  });
});

const START = Date.parse('2026-11-23T10:16:00.000Z');

/** A metric alarm whose own data is read back: 5xx errors per 10 s period, ALARM at >= 5 on 2 of 3 datapoints. */
const metricAlarm = (name: string, state: AlarmObservation['state'] = 'OK'): AlarmObservation => ({
  name,
  type: 'metric',
  state,
  reason: state === 'ALARM' ? 'Threshold Crossed' : '',
  recoveryWindowMs: 30_000,
  shape: 'period 10 s, 2 of 3 datapoints',
  dataPlan: {
    kind: 'datapoints',
    rule: { name, threshold: 5, comparison: 'GreaterThanOrEqualToThreshold', periodSeconds: 10, evaluationPeriods: 3, datapointsToAlarm: 2 },
    queries: [{ Id: 'm', MetricStat: { Metric: { Namespace: 'Shop', MetricName: '5xx', Dimensions: [] }, Period: 10, Stat: 'Sum' }, ReturnData: true }],
    resultId: 'm',
    separateCall: false,
  },
});
/** An alarm only its state can judge (an anomaly band). */
const stateOnly = (name: string, state: AlarmObservation['state'], recoveryWindowMs?: number): AlarmObservation => ({
  name,
  type: 'metric',
  state,
  reason: '',
  ...(recoveryWindowMs !== undefined ? { recoveryWindowMs, shape: 'period 10 s, 2 of 3 datapoints' } : {}),
  dataPlan: { kind: 'state', why: 'an anomaly-detection band' },
});

/** Ports whose answers a test scripts: the alarms, each alarm's value per period (undefined: no data), health by round, the targets. */
function scriptedPorts(options: {
  alarms?: readonly AlarmObservation[];
  value?: (alarm: string, periodStart: number) => number | undefined;
  healthStatus?: (round: number) => number;
  aliasVersion?: string;
  weights?: string[];
  stage?: { executionId: string; status: string };
  traffic?: (now: Date) => Evidence[];
}) {
  let healthRound = 0;
  const targets: TargetDrivers = {
    driverFor: (type) => ({
      restore: async () => {
        throw new Error('the validator never restores');
      },
      readiness: async () => {
        throw new Error('the validator never checks readiness');
      },
      capture: async () => {
        throw new Error('the validator never captures');
      },
      check: async (_config, expectation) =>
        type === 'lambda-alias'
          ? judgeAliases(expectation, Object.keys(expectation.versions).map((functionName) => ({ functionName, version: options.aliasVersion ?? '41', weightedVersions: options.weights ?? [] })))
          : judgeStage(expectation, options.stage ?? { executionId: 'exec-rb', status: 'Succeeded' }),
      ...(type === 'lambda-alias' && options.traffic ? { evidence: async (_config: unknown, _expectation: unknown, window: { now: Date }) => options.traffic!(window.now) } : {}),
    }),
  };
  const ports: CheckPorts = {
    alarms: { readAlarms: async () => [...(options.alarms ?? [metricAlarm('shop-prod-5xx')])] },
    metrics: {
      read: async (requests, window) =>
        new Map(
          requests.map((request) => {
            const points = [];
            for (let at = window.start.getTime(); at < window.end.getTime(); at += 10_000) {
              const value = (options.value ?? (() => 0))(request.key, at);
              if (value !== undefined) points.push({ at, value });
            }
            return [request.key, points];
          }),
        ),
    },
    health: { probe: async (check) => ({ url: check.url, status: options.healthStatus?.(healthRound++) ?? 200, version: '1.3.0' }) },
    targets,
  };
  return ports;
}

const request = validationRequestSchema.parse({
  environments: [
    {
      name: 'production',
      alarmPrefixes: ['shop-prod-'],
      healthChecks: [{ url: 'https://shop.example.com/health', timeoutMs: 2_000, versionField: 'version', expectedVersion: '1.3.0' }],
      targets: [
        { type: 'lambda-alias', alias: 'live', functions: ['shop-prod-api'] },
        { type: 'codepipeline-stage', pipeline: 'release', stage: 'DeployProduction' },
      ],
      expectations: [
        { target: 'lambda-alias', alias: 'live', versions: { 'shop-prod-api': '41' } },
        { target: 'codepipeline-stage', pipeline: 'release', stage: 'DeployProduction', executionId: 'exec-rb' },
      ],
    },
  ],
  budgetMs: 60_000,
  pollIntervalMs: 10_000,
  consecutivePasses: 3,
} satisfies ValidationRequest);

async function poll(ports: CheckPorts, overrides: Partial<typeof request> = {}, remainingMs = 900_000): Promise<ValidationResult> {
  const clock = new ManualClock(new Date(START));
  return validateRollback({ ...request, ...overrides }, { ports, clock, sleep: async (ms) => clock.advance(ms), remainingTimeMs: () => remainingMs });
}

describe('verdicts on evidence (fake clock)', () => {
  it('recovered on the alarm’s own recovery rule (two clean 10 s periods) and three healthy rounds, saying what it rested on', async () => {
    const result = await poll(scriptedPorts({}));

    expect(result).toMatchObject({ success: true, verdict: 'recovered', concludedBy: 'recovered', rounds: 3, durationMs: 20_000, versionMatch: true, healthCheckStatus: 200 });
    expect(result.reason).toBeUndefined();
    expect(result.evidence.map((item) => [item.check, item.verdict, item.datapoints])).toEqual([
      ['alarm shop-prod-5xx', 'recovered', 2],
      ['health', 'recovered', undefined],
      ['versions', 'recovered', undefined],
      ['pipeline', 'recovered', undefined],
    ]);
    expect(result.evidence[0]!.detail).toBe('2 datapoint(s) after the restore (0, 0), the last 2 not breaching >= 5: 2 clean period(s) of 10 s bring it back to OK');
  });

  it('not recovered within one alarm period and one poll when the first complete period after the restore still breaches', async () => {
    const result = await poll(scriptedPorts({ value: () => 12 }), { budgetMs: 300_000 });

    expect(result).toMatchObject({ success: false, verdict: 'not_recovered', concludedBy: 'alarm_breaching', rounds: 2, durationMs: 10_000 });
    expect(result.decidedBy).toEqual({ environment: 'production', check: 'alarm shop-prod-5xx', at: '2026-11-23T10:16:10.000Z', detail: '12 for the period from 2026-11-23T10:16:00.000Z breaches its threshold (>= 5), in the first complete period after the restore' });
    expect(result.reason).toBe('production alarm shop-prod-5xx: 12 for the period from 2026-11-23T10:16:00.000Z breaches its threshold (>= 5), in the first complete period after the restore');
  });

  it('never recovered on no data: an alarm gone quiet with no traffic leaves it inconclusive at the budget, saying what was missing', async () => {
    const result = await poll(scriptedPorts({ value: () => undefined }));

    expect(result).toMatchObject({ success: false, verdict: 'inconclusive', concludedBy: 'budget', rounds: 7, durationMs: 60_000 });
    expect(result.reason).toBe('no verdict within 60 s (7 round(s)): production alarm shop-prod-5xx: no datapoints in 6 complete period(s) since the restore: no traffic, or no data, is no evidence');
  });

  it('resets the health streak when a round fails in between (flapping), and recovers once it holds again', async () => {
    const result = await poll(scriptedPorts({ healthStatus: (round) => (round === 2 ? 503 : 200) }), { budgetMs: 120_000 });

    expect(result).toMatchObject({ verdict: 'recovered', rounds: 6, durationMs: 50_000 });
  });

  it('judges a composite alarm on its children’s datapoints', async () => {
    const composite: AlarmObservation = { name: 'shop-prod-checkout', type: 'composite', state: 'ALARM', reason: '', rule: 'ALARM(shop-prod-5xx) OR ALARM(shop-prod-latency)', children: [metricAlarm('shop-prod-5xx'), metricAlarm('shop-prod-latency')] };

    const result = await poll(scriptedPorts({ alarms: [composite], value: (alarm) => (alarm === 'shop-prod-latency' ? 9 : 0) }), { budgetMs: 300_000 });

    expect(result).toMatchObject({ verdict: 'not_recovered', concludedBy: 'alarm_breaching', rounds: 2 });
    expect(result.decidedBy).toMatchObject({ check: 'alarm shop-prod-checkout', detail: 'its rule holds on its children: shop-prod-latency not_recovered' });
  });

  it('leaves out the alarms a rule says only notify: a breaching latency alarm does not judge the rollback', async () => {
    const ports = scriptedPorts({ alarms: [metricAlarm('shop-prod-5xx'), metricAlarm('shop-prod-latency', 'ALARM')], value: (alarm) => (alarm === 'shop-prod-latency' ? 40 : 0) });

    const result = await poll(ports, { environments: [{ ...request.environments[0]!, notifyOnly: ['shop-prod-lat*'] }] });

    expect(result).toMatchObject({ verdict: 'recovered', rounds: 3 });
    expect(result.evidence.map((item) => item.check)).not.toContain('alarm shop-prod-latency');
  });

  it('takes INSUFFICIENT_DATA for what it is: no evidence', async () => {
    const result = await poll(scriptedPorts({ alarms: [stateOnly('shop-prod-new', 'INSUFFICIENT_DATA', 30_000)] }));

    expect(result).toMatchObject({ verdict: 'inconclusive', concludedBy: 'budget' });
  });

  it('judges an anomaly-band alarm by its state, marked so: OK past its recovery window is recovered', async () => {
    const result = await poll(scriptedPorts({ alarms: [stateOnly('shop-prod-band', 'OK', 30_000)] }), { budgetMs: 120_000 });

    // Its window (30 s) and one poll for its own evaluation to catch up.
    expect(result).toMatchObject({ verdict: 'recovered', rounds: 6, durationMs: 50_000 });
    expect(result.evidence[0]).toMatchObject({ check: 'alarm shop-prod-band', basis: 'state', detail: expect.stringContaining('judged by state only: an anomaly-detection band') });
  });

  it('fails the version check when an alias is on another version, and the pipeline check when the stage ran something else', async () => {
    const result = await poll(scriptedPorts({ aliasVersion: '42', stage: { executionId: 'exec-other', status: 'Succeeded' } }), { budgetMs: 0 });

    expect(result.checks.filter((check) => check.check === 'versions' || check.check === 'pipeline').map((check) => [check.passed, check.detail])).toEqual([
      [false, 'shop-prod-api:live is 42, expected 41'],
      [false, 'latest execution is exec-other, expected the rollback exec-rb'],
    ]);
  });

  it('never polls past the Lambda time that is left', async () => {
    const result = await poll(scriptedPorts({ value: () => undefined }), { budgetMs: 300_000 }, 32_000);

    expect(result).toMatchObject({ verdict: 'inconclusive', concludedBy: 'budget', rounds: 4, durationMs: 30_000 });
  });
});

describe('not recovered as soon as the evidence is hard (fake clock)', () => {
  it.each([
    [
      'a target reports a state it cannot recover from',
      { stage: { executionId: 'exec-rb', status: 'Failed' } },
      { rounds: 1, durationMs: 0, concludedBy: 'target_failed' },
      'production pipeline: latest execution exec-rb is Failed (it cannot recover)',
    ],
    [
      'the version check fails the threshold of rounds in a row',
      { aliasVersion: '42' },
      { rounds: 3, durationMs: 20_000, concludedBy: 'restore_not_taken' },
      'production versions: failed 3 rounds in a row: the restore did not take (shop-prod-api:live is 42, expected 41)',
    ],
    [
      'the health checks fail the threshold of rounds in a row',
      { healthStatus: () => 503 },
      { rounds: 3, durationMs: 20_000, concludedBy: 'health_failing' },
      'production health: failed 3 rounds in a row (https://shop.example.com/health returned 503)',
    ],
    [
      'an alarm judged by state is still ALARM past its recovery window and one poll',
      { alarms: [stateOnly('shop-prod-band', 'ALARM', 30_000)] },
      { rounds: 6, durationMs: 50_000, concludedBy: 'alarm_past_recovery_window' },
      'production alarm shop-prod-band: still ALARM 50 s after the restore, past its recovery window (30 s) and one poll (10 s); judged by state: an anomaly-detection band',
    ],
    [
      'the bad version still serves after the restore',
      { traffic: () => [{ check: 'traffic shop-prod-api', verdict: 'not_recovered' as const, basis: 'traffic' as const, detail: 'the bad version still served 14 invocation(s) after the restore' }] },
      { rounds: 1, durationMs: 0, concludedBy: 'traffic' },
      'production traffic shop-prod-api: the bad version still served 14 invocation(s) after the restore',
    ],
  ] as const)('concludes when %s', async (_, script, expected, why) => {
    const result = await poll(scriptedPorts(script as Parameters<typeof scriptedPorts>[0]), { budgetMs: 300_000 });

    expect(result).toMatchObject({ success: false, verdict: 'not_recovered', ...expected });
    expect(result.reason).toBe(why);
  });

  it('counts an alarm’s recovery window from the restore, not from when validation started', async () => {
    const result = await poll(scriptedPorts({ alarms: [stateOnly('shop-prod-band', 'ALARM', 30_000)] }), { budgetMs: 300_000, restoredAt: '2026-11-23T10:15:45.000Z' });

    expect(result).toMatchObject({ concludedBy: 'alarm_past_recovery_window', rounds: 4, durationMs: 30_000 });
  });

  it('counts an alarm’s datapoints from the restore: a period that began before it is not judged, the next one is', async () => {
    const result = await poll(scriptedPorts({ value: (_, at) => (at < Date.parse('2026-11-23T10:15:50.000Z') ? 30 : 0) }), { restoredAt: '2026-11-23T10:15:45.000Z' });

    expect(result.verdict).toBe('recovered');
    expect(result.evidence[0]).toMatchObject({ check: 'alarm shop-prod-5xx', verdict: 'recovered', datapoints: 3 });
  });

  it('a failure streak broken by a passing round starts again', async () => {
    const result = await poll(scriptedPorts({ healthStatus: (round) => (round === 2 ? 200 : 503) }), { budgetMs: 300_000 });

    expect(result).toMatchObject({ concludedBy: 'health_failing', rounds: 6, durationMs: 50_000 });
  });

  it('waits out the budget for a failure that is no evidence (unreadable, or still converging), and calls it inconclusive', async () => {
    const result = await poll(scriptedPorts({ stage: { executionId: 'exec-old', status: 'Succeeded' } }), { budgetMs: 60_000, failureThreshold: 2 });

    expect(result).toMatchObject({ success: false, verdict: 'inconclusive', concludedBy: 'budget', rounds: 7 });
  });

  it('takes traffic that saw no invocations as no evidence: it neither decides nor blocks what the alarms showed', async () => {
    const quiet = () => [{ check: 'traffic shop-prod-api', verdict: 'inconclusive' as const, basis: 'traffic' as const, detail: 'no invocations in 1 minute(s) since the restore: no traffic is no evidence' }];

    expect(await poll(scriptedPorts({ traffic: quiet }))).toMatchObject({ verdict: 'recovered', rounds: 3 });
  });

  it('in a drill checks only alarms and health (nothing was changed, so versions cannot match)', async () => {
    const result = await poll(scriptedPorts({ aliasVersion: '42', stage: { executionId: 'x', status: 'Failed' } }), { drill: true });

    expect(result).toMatchObject({ success: true, verdict: 'recovered' });
    expect(result.checks.map((check) => check.check)).toEqual(['alarm shop-prod-5xx', 'health']);
  });
});

describe('the data behind the alarms, read as the alarms define it (aws-sdk-client-mock)', () => {
  const window = { start: new Date('2026-11-23T10:15:00.000Z'), end: new Date('2026-11-23T10:18:30.000Z') };
  const singleMetric = { AlarmName: 'shop-prod-5xx', StateValue: 'ALARM', Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: [{ Name: 'ApiName', Value: 'shop' }], Statistic: 'Sum', Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' } as const;
  const latencyP99 = { AlarmName: 'shop-prod-p99', StateValue: 'OK', Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: 'shop-api' }], ExtendedStatistic: 'p99', Unit: 'Milliseconds', Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3, Threshold: 2_000, ComparisonOperator: 'GreaterThanThreshold' } as const;
  const errorRate = {
    AlarmName: 'shop-prod-error-rate',
    StateValue: 'OK',
    EvaluationPeriods: 2,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Metrics: [
      { Id: 'errors', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: 'shop-api' }] }, Period: 60, Stat: 'Sum' }, ReturnData: false },
      { Id: 'invocations', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'shop-api' }] }, Period: 60, Stat: 'Sum' }, ReturnData: false },
      { Id: 'rate', Expression: '100 * errors / invocations', Label: 'error %', ReturnData: true },
    ],
  } as const;
  const insights = { AlarmName: 'shop-prod-insights', StateValue: 'OK', EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: 'GreaterThanThreshold', Metrics: [{ Id: 'q1', Expression: 'SELECT SUM("5XXError") FROM "AWS/ApiGateway"', Period: 60, ReturnData: true }] } as const;
  const band = { AlarmName: 'shop-prod-band', StateValue: 'OK', EvaluationPeriods: 2, ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold', ThresholdMetricId: 'ad1', Metrics: [{ Id: 'm1', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations' }, Period: 60, Stat: 'Sum' }, ReturnData: true }, { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)' }] } as const;

  it('builds GetMetricData queries from real DescribeAlarms shapes: single metrics share a call, metric math and Metrics Insights get their own, an anomaly band is judged by state', async () => {
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [singleMetric, latencyP99, errorRate, insights, band] as never });
    cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const cloudWatch = new CloudWatchClient({ region: 'eu-west-1' });
    const alarms = await new CloudWatchAlarmReader(cloudWatch).readAlarms({ prefixes: ['shop-prod-'], names: [] });

    await new CloudWatchMetricReader(cloudWatch).read(dataRequestsFor([{ name: 'production', alarms, health: [], targets: [], traffic: [] }]), window);

    expect(alarms.find((alarm) => alarm.name === 'shop-prod-band')?.dataPlan).toEqual({ kind: 'state', why: 'an anomaly-detection band, which GetMetricData does not reproduce as the alarm evaluates it' });
    expect(cloudWatchMock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input)).toEqual([
      {
        MetricDataQueries: [
          { Id: 'q0_m', MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: [{ Name: 'ApiName', Value: 'shop' }] }, Period: 60, Stat: 'Sum' }, ReturnData: true },
          { Id: 'q1_m', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: 'shop-api' }] }, Period: 60, Stat: 'p99', Unit: 'Milliseconds' }, ReturnData: true },
        ],
        StartTime: window.start,
        EndTime: window.end,
        ScanBy: 'TimestampAscending',
      },
      {
        MetricDataQueries: [
          { Id: 'errors', MetricStat: errorRate.Metrics[0].MetricStat, ReturnData: false },
          { Id: 'invocations', MetricStat: errorRate.Metrics[1].MetricStat, ReturnData: false },
          { Id: 'rate', Expression: '100 * errors / invocations', Label: 'error %', ReturnData: true },
        ],
        StartTime: window.start,
        EndTime: window.end,
        ScanBy: 'TimestampAscending',
      },
      {
        MetricDataQueries: [{ Id: 'q1', Expression: 'SELECT SUM("5XXError") FROM "AWS/ApiGateway"', Period: 60, ReturnData: true }],
        StartTime: window.start,
        EndTime: window.end,
        ScanBy: 'TimestampAscending',
      },
    ]);
  });

  it('reads every page, and gives each alarm its own datapoints; a call that fails fails only its alarms', async () => {
    cloudWatchMock
      .on(GetMetricDataCommand, { NextToken: undefined })
      .resolves({ MetricDataResults: [{ Id: 'q0_m', Timestamps: [new Date('2026-11-23T10:16:00.000Z')], Values: [3] }], NextToken: 'next' })
      .on(GetMetricDataCommand, { NextToken: 'next' })
      .resolves({ MetricDataResults: [{ Id: 'q0_m', Timestamps: [new Date('2026-11-23T10:17:00.000Z')], Values: [0] }] });
    const requests = [
      { key: 'shop-prod-5xx', queries: [{ Id: 'm', MetricStat: singleMetricStat() }], resultId: 'm', separateCall: false },
      { key: 'shop-prod-error-rate', queries: [{ Id: 'rate', Expression: '1/0' }], resultId: 'rate', separateCall: true },
    ];
    cloudWatchMock.on(GetMetricDataCommand, { MetricDataQueries: [{ Id: 'rate', Expression: '1/0' }] }).rejects(Object.assign(new Error('bad expression'), { name: 'InvalidParameterValueException' }));

    const data = await new CloudWatchMetricReader(new CloudWatchClient({ region: 'eu-west-1' })).read(requests, window);

    expect(data.get('shop-prod-5xx')).toEqual([{ at: Date.parse('2026-11-23T10:16:00.000Z'), value: 3 }, { at: Date.parse('2026-11-23T10:17:00.000Z'), value: 0 }]);
    expect(data.get('shop-prod-error-rate')).toEqual({ error: 'InvalidParameterValueException: bad expression' });
  });

  it('puts at most 500 queries in a call: 1,200 single-metric alarms take 3 calls per round', () => {
    const requests = Array.from({ length: 1_200 }, (_, index) => ({ key: `alarm-${index}`, queries: [{ Id: 'm', MetricStat: singleMetricStat() }], resultId: 'm', separateCall: false }));

    expect(planCalls(requests).map((call) => call.queries.length)).toEqual([500, 500, 200]);
  });

  function singleMetricStat() {
    return { Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError' }, Period: 60, Stat: 'Sum' };
  }
});

describe('validator handler', () => {
  let handler: (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<ValidationResult>;

  beforeAll(async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    ({ handler } = (await import('../../functions/validator/handler')) as unknown as { handler: typeof handler });
  });
  afterAll(() => vi.unstubAllEnvs());

  it('answers a bad request with an inconclusive result naming the problem, never a throw', async () => {
    const result = await handler({ environments: [], budgetMs: -1 }, fakeContext({ functionName: 'validator' }));

    expect(result).toMatchObject({ success: false, verdict: 'inconclusive', rounds: 0 });
    expect(result.reason).toBe(
      'invalid validation request: environments: needs at least one environment; budgetMs: Too small: expected number to be >0; pollIntervalMs: Invalid input: expected number, received undefined; consecutivePasses: Invalid input: expected number, received undefined',
    );
  });

  it('proves a recovered environment through the real adapters: CloudWatch alarms and their data, Lambda, CodePipeline and HTTP', async () => {
    respond = () => ({ status: 200, body: '{"version":"1.3.0"}' });
    const minute = 60_000;
    const restoredAt = Math.floor(Date.now() / minute) * minute - 2 * minute;
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'shop-prod-5xx', StateValue: 'OK', Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Statistic: 'Sum', Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }],
    });
    cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0_m', Timestamps: [new Date(restoredAt), new Date(restoredAt + minute)], Values: [0, 1] }] });
    lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '41' });
    pipelineMock.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: 'exec-rb', status: 'InProgress' } }] });
    const environment = request.environments[0]!;

    const result = await handler(
      { ...request, restoredAt: new Date(restoredAt).toISOString(), consecutivePasses: 1, environments: [{ ...environment, healthChecks: [{ ...environment.healthChecks[0]!, url: `${baseUrl}/health` }] }] },
      fakeContext({ functionName: 'validator', remainingMs: 60_000 }),
    );

    expect(result).toMatchObject({ success: true, verdict: 'recovered', rounds: 1, versionMatch: true, healthCheckStatus: 200 });
    expect(result.evidence[0]).toMatchObject({ check: 'alarm shop-prod-5xx', verdict: 'recovered', basis: 'datapoints', datapoints: 2 });
    const calls = cloudWatchMock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
    const alarmData = calls.find((input) => input.MetricDataQueries?.[0]?.Id === 'q0_m');
    // The alias's traffic by the version executed, alongside: the restored version's invocations and errors.
    expect(calls.find((input) => input.MetricDataQueries?.[0]?.Id === 'good0')?.MetricDataQueries?.map((query) => [query.Id, query.MetricStat?.Metric?.MetricName, query.MetricStat?.Metric?.Dimensions?.at(-1)?.Value])).toEqual([
      ['good0', 'Invocations', '41'],
      ['errors0', 'Errors', '41'],
    ]);
    expect(alarmData).toMatchObject({
      MetricDataQueries: [{ Id: 'q0_m', MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: [] }, Period: 60, Stat: 'Sum' }, ReturnData: true }],
      StartTime: new Date(restoredAt),
      ScanBy: 'TimestampAscending',
    });
    expect(lambdaMock.commandCalls(GetAliasCommand)[0]?.args[0].input).toEqual({ FunctionName: 'shop-prod-api', Name: 'live' });
    expect(pipelineMock.commandCalls(GetPipelineStateCommand)[0]?.args[0].input).toEqual({ name: 'release' });
  });

  it('fails a target check, naming it, when the request carries an expectation for a target it has no config for', async () => {
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({});

    const result = await handler({ ...request, budgetMs: 1, environments: [{ ...request.environments[0]!, healthChecks: [], targets: [] }] }, fakeContext({ functionName: 'validator' }));

    expect(result.checks.filter((check) => !check.passed).map((check) => [check.check, check.detail])).toEqual([
      ['versions', 'unreadable Lambda alias config in the request'],
      ['pipeline', 'unreadable CodePipeline stage config in the request'],
    ]);
  });

  it('says, without throwing, that alarms cannot be read: no evidence, so no verdict', async () => {
    cloudWatchMock.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('not authorized to DescribeAlarms'), { name: 'AccessDenied' }));

    const result = await handler({ ...request, budgetMs: 1, environments: [{ name: 'production', alarmPrefixes: ['shop-prod-'] }] }, fakeContext({ functionName: 'validator' }));

    expect(result).toMatchObject({ success: false, verdict: 'inconclusive', checks: [{ check: 'alarms', passed: false, detail: 'cannot read alarms: AccessDenied: not authorized to DescribeAlarms' }] });
  });
});

describe('an environment in another account and region: its alarms and their data read there (aws-sdk-client-mock)', () => {
  const memberRole = 'arn:aws:iam::222222222222:role/rollback-controller-member';
  const window = { start: new Date('2026-11-23T10:15:00.000Z'), end: new Date('2026-11-23T10:18:30.000Z') };
  const alarm = (name: string) => ({ AlarmName: name, StateValue: 'OK', Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Period: 60, EvaluationPeriods: 3, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  /** Where a mocked call went: the sending client's region and the access key it signed with. */
  const sentFrom = async (call: { thisValue: unknown }) => {
    const client = call.thisValue as CloudWatchClient;
    return { region: await client.config.region(), accessKeyId: (await client.config.credentials()).accessKeyId };
  };

  it('sends each DescribeAlarms and GetMetricData through the client of the environment\'s region and assumed role; the others through the validator\'s own', async () => {
    const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const { awsClientFactory } = await import('../../shared/targets/client-factory');
    const stsMock = mockClient(STSClient);
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAMEMBER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2030-01-01T00:00:00.000Z') } });
    const own = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAOWN', secretAccessKey: 's' } });
    const clients = awsClientFactory({ base: { credentials: { accessKeyId: 'AKIAOWN', secretAccessKey: 's' } } });
    // As the validator's handler wires it.
    const cloudWatchFor = async (location?: { region?: string; roleArn?: string }) => (location?.region || location?.roleArn ? clients.client(CloudWatchClient, location) : own);
    cloudWatchMock.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-prod-' }).resolves({ MetricAlarms: [alarm('shop-prod-5xx')] as never });
    cloudWatchMock.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-staging-' }).resolves({ MetricAlarms: [alarm('shop-staging-5xx')] as never });
    cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const location = { region: 'us-east-1', roleArn: memberRole };
    const reader = new CloudWatchAlarmReader(cloudWatchFor);

    const [staging, production] = await Promise.all([reader.readAlarms({ prefixes: ['shop-staging-'], names: [] }), reader.readAlarms({ prefixes: ['shop-prod-'], names: [], location })]);
    const readings = [
      { name: 'staging', alarms: staging, health: [], targets: [], traffic: [] },
      { name: 'production', alarms: production, health: [], targets: [], traffic: [] },
    ];
    await new CloudWatchMetricReader(cloudWatchFor).read(dataRequestsFor(readings, [undefined, location]), window);

    const describes = cloudWatchMock.commandCalls(DescribeAlarmsCommand);
    expect(await Promise.all(describes.map(async (call) => ({ prefix: call.args[0].input.AlarmNamePrefix, ...(await sentFrom(call)) })))).toEqual(
      expect.arrayContaining([
        { prefix: 'shop-staging-', region: 'eu-west-1', accessKeyId: 'AKIAOWN' },
        { prefix: 'shop-prod-', region: 'us-east-1', accessKeyId: 'ASIAMEMBER' },
      ]),
    );
    const data = cloudWatchMock.commandCalls(GetMetricDataCommand);
    expect(await Promise.all(data.map(async (call) => ({ metrics: call.args[0].input.MetricDataQueries!.length, ...(await sentFrom(call)) })))).toEqual(
      expect.arrayContaining([
        { metrics: 1, region: 'eu-west-1', accessKeyId: 'AKIAOWN' },
        { metrics: 1, region: 'us-east-1', accessKeyId: 'ASIAMEMBER' },
      ]),
    );
    expect(data).toHaveLength(2);
    expect(stsMock.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([{ RoleArn: memberRole, RoleSessionName: 'rollback-controller', DurationSeconds: 3_600 }]);
    stsMock.restore();
  });

  it('asks for each environment\'s alarms where it lives, from the request the orchestrator builds', async () => {
    const selections: unknown[] = [];
    const ports = scriptedPorts({});
    ports.alarms = { readAlarms: async (selection) => (selections.push(selection), [metricAlarm('shop-prod-5xx')]) };

    await poll(ports, { environments: [{ ...request.environments[0]!, region: 'us-east-1', roleArn: memberRole }] });

    expect(selections[0]).toEqual({ prefixes: ['shop-prod-'], names: [], location: { region: 'us-east-1', roleArn: memberRole } });
  });
});
