import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
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
import { validateRollback } from '../../shared/validation/validate-rollback';
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
    expect(alarms).toEqual([
      { name: 'shop-prod-5xx', type: 'metric', state: 'OK', reason: 'fine' },
      { name: 'shop-edge-latency', type: 'metric', state: 'INSUFFICIENT_DATA', reason: '' },
      { name: 'shop-prod-checkout', type: 'composite', state: 'ALARM', reason: 'child in ALARM' },
    ]);
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

    expect(alarms).toEqual([
      { name: 'shop-prod-5xx', type: 'metric', state: 'ALARM', reason: '', recoveryWindowMs: 120_000, shape: 'period 60 s, 3 of 3 datapoints' },
      { name: 'shop-prod-p99', type: 'metric', state: 'OK', reason: '', recoveryWindowMs: 1_500_000, shape: 'period 300 s, 2 of 5 datapoints' },
      { name: 'shop-prod-checkout', type: 'composite', state: 'ALARM', reason: '', recoveryWindowMs: 240_000, shape: 'shop-payments-errors: period 60 s, 3 of 5 datapoints' },
    ]);
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

/** Ports whose answers a test scripts round by round; the targets judge scripted readings with their own rules. */
function scriptedPorts(options: { alarmRounds?: readonly (readonly AlarmObservation[])[]; healthStatus?: (round: number) => number; aliasVersion?: string; weights?: string[]; stage?: { executionId: string; status: string } }) {
  let alarmRound = 0;
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
    }),
  };
  const ports: CheckPorts = {
    alarms: { readAlarms: async () => [...(options.alarmRounds?.[Math.min(alarmRound++, options.alarmRounds.length - 1)] ?? [])] },
    health: { probe: async (check) => ({ url: check.url, status: options.healthStatus?.(healthRound++) ?? 200, version: '1.3.0' }) },
    targets,
  };
  return ports;
}

const ok = (name: string): AlarmObservation => ({ name, type: 'metric', state: 'OK', reason: '' });
const firing = (name: string, type: AlarmObservation['type'] = 'metric'): AlarmObservation => ({ name, type, state: 'ALARM', reason: 'Threshold Crossed' });

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
  const clock = new ManualClock('2026-11-23T10:16:00.000Z');
  return validateRollback({ ...request, ...overrides }, { ports, clock, sleep: async (ms) => clock.advance(ms), remainingTimeMs: () => remainingMs });
}

describe('polling with early exit (fake clock)', () => {
  it('succeeds after exactly the configured consecutive rounds when healthy from the start', async () => {
    const result = await poll(scriptedPorts({ alarmRounds: [[ok('shop-prod-5xx')]] }));

    expect(result).toMatchObject({ success: true, rounds: 3, durationMs: 20_000, versionMatch: true, healthCheckStatus: 200 });
    expect(result.reason).toBeUndefined();
    expect(result.checks.map((check) => [check.check, check.passed])).toEqual([['alarms', true], ['health', true], ['versions', true], ['pipeline', true]]);
  });

  it('resets the consecutive count when a round fails in between (flapping)', async () => {
    const result = await poll(scriptedPorts({ healthStatus: (round) => (round === 2 ? 503 : 200) }), { budgetMs: 120_000 });

    expect(result).toMatchObject({ success: true, rounds: 6, durationMs: 50_000 });
  });

  it('fails at the budget when nothing conclusive is seen, naming each check that failed in the last round', async () => {
    // An alarm whose recovery window is unknown, and a stage that has not picked the rollback up yet: no hard evidence.
    const result = await poll(scriptedPorts({ alarmRounds: [[firing('shop-prod-5xx')]], stage: { executionId: 'exec-old', status: 'Succeeded' } }));

    expect(result).toMatchObject({
      success: false,
      concludedBy: 'budget',
      rounds: 7,
      durationMs: 60_000,
      failedAlarms: [{ name: 'shop-prod-5xx', state: 'ALARM', reason: 'Threshold Crossed' }],
      healthCheckStatus: 200,
      versionMatch: false,
    });
    expect(result.reason).toBe(
      'not healthy within 60 s (7 round(s)); last round (7): production alarms: shop-prod-5xx is ALARM; production pipeline: latest execution is exec-old, expected the rollback exec-rb',
    );
  });

  it('fails when a composite alarm is in ALARM', async () => {
    const result = await poll(scriptedPorts({ alarmRounds: [[ok('shop-prod-5xx'), firing('shop-prod-checkout', 'composite')]] }));

    expect(result.success).toBe(false);
    expect(result.checks[0]).toEqual({ check: 'alarms', environment: 'production', passed: false, detail: 'shop-prod-checkout (composite) is ALARM' });
  });

  it('treats INSUFFICIENT_DATA as passing', async () => {
    const result = await poll(scriptedPorts({ alarmRounds: [[{ name: 'shop-prod-new', type: 'metric', state: 'INSUFFICIENT_DATA', reason: '' }]] }));

    expect(result.success).toBe(true);
  });

  it('fails the version check when an alias is on another version, and the pipeline check when the stage ran something else', async () => {
    const result = await poll(scriptedPorts({ aliasVersion: '42', stage: { executionId: 'exec-other', status: 'Succeeded' } }), { budgetMs: 0 });

    expect(result.checks.filter((check) => !check.passed).map((check) => check.detail)).toEqual([
      'shop-prod-api:live is 42, expected 41',
      'latest execution is exec-other, expected the rollback exec-rb',
    ]);
  });

  it('never polls past the Lambda time that is left', async () => {
    const result = await poll(scriptedPorts({ alarmRounds: [[firing('shop-prod-5xx')]] }), { budgetMs: 300_000 }, 32_000);

    expect(result).toMatchObject({ success: false, concludedBy: 'budget', rounds: 4, durationMs: 30_000 });
  });
});

describe('early verdicts: not valid as soon as the evidence is hard (fake clock)', () => {
  const windowed = (name: string, recoveryWindowMs: number): AlarmObservation => ({ ...firing(name), recoveryWindowMs, shape: 'period 10 s, 2 of 3 datapoints' });

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
      'production versions failed 3 rounds in a row: the restore did not take (shop-prod-api:live is 42, expected 41)',
    ],
    [
      'the health checks fail the threshold of rounds in a row',
      { healthStatus: () => 503 },
      { rounds: 3, durationMs: 20_000, concludedBy: 'health_failing' },
      'production health failed 3 rounds in a row (https://shop.example.com/health 503)',
    ],
    [
      'an alarm is still ALARM past its recovery window and one poll',
      { alarmRounds: [[windowed('shop-prod-5xx', 30_000)]] },
      { rounds: 6, durationMs: 50_000, concludedBy: 'alarm_past_recovery_window' },
      'production alarm shop-prod-5xx still ALARM 50 s after the restore, past its recovery window (30 s: period 10 s, 2 of 3 datapoints) and one poll (10 s)',
    ],
  ] as const)('concludes when %s', async (_, script, expected, why) => {
    const result = await poll(scriptedPorts(script), { budgetMs: 300_000 });

    expect(result).toMatchObject({ success: false, ...expected });
    expect(result.reason?.startsWith(`${why}; last round`)).toBe(true);
  });

  it('counts an alarm’s recovery window from the restore, not from when validation started', async () => {
    const result = await poll(scriptedPorts({ alarmRounds: [[windowed('shop-prod-5xx', 30_000)]] }), { budgetMs: 300_000, restoredAt: '2026-11-23T10:15:45.000Z' });

    expect(result).toMatchObject({ concludedBy: 'alarm_past_recovery_window', rounds: 4, durationMs: 30_000 });
  });

  it('a failure streak broken by a passing round starts again', async () => {
    const result = await poll(scriptedPorts({ healthStatus: (round) => (round === 2 ? 200 : 503) }), { budgetMs: 300_000 });

    expect(result).toMatchObject({ concludedBy: 'health_failing', rounds: 6, durationMs: 50_000 });
  });

  it('waits out the budget for a failure that is no evidence (unreadable, or still converging)', async () => {
    const result = await poll(scriptedPorts({ stage: { executionId: 'exec-old', status: 'Succeeded' } }), { budgetMs: 60_000, failureThreshold: 2 });

    expect(result).toMatchObject({ success: false, concludedBy: 'budget', rounds: 7 });
  });

  it('passes after the configured passing rounds, and says so', async () => {
    expect(await poll(scriptedPorts({}))).toMatchObject({ success: true, concludedBy: 'consecutive_passes', rounds: 3 });
  });

  it('in a drill checks only alarms and health (nothing was changed, so versions cannot match)', async () => {
    const result = await poll(scriptedPorts({ aliasVersion: '42', stage: { executionId: 'x', status: 'Failed' } }), { drill: true });

    expect(result.success).toBe(true);
    expect(result.checks.map((check) => check.check)).toEqual(['alarms', 'health']);
  });
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

  it('answers a bad request with a failed result naming the problem, never a throw', async () => {
    const result = await handler({ environments: [], budgetMs: -1 }, fakeContext({ functionName: 'validator' }));

    expect(result).toMatchObject({ success: false, rounds: 0 });
    expect(result.reason).toBe(
      'invalid validation request: environments: needs at least one environment; budgetMs: Too small: expected number to be >0; pollIntervalMs: Invalid input: expected number, received undefined; consecutivePasses: Invalid input: expected number, received undefined',
    );
  });

  it('proves a healthy environment through the real adapters: CloudWatch, Lambda, CodePipeline and HTTP', async () => {
    respond = () => ({ status: 200, body: '{"version":"1.3.0"}' });
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'shop-prod-5xx', StateValue: 'OK' }] });
    lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '41' });
    pipelineMock.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: 'exec-rb', status: 'InProgress' } }] });
    const environment = request.environments[0]!;

    const result = await handler(
      { ...request, consecutivePasses: 1, environments: [{ ...environment, healthChecks: [{ ...environment.healthChecks[0]!, url: `${baseUrl}/health` }] }] },
      fakeContext({ functionName: 'validator', remainingMs: 60_000 }),
    );

    expect(result).toMatchObject({ success: true, rounds: 1, versionMatch: true, healthCheckStatus: 200 });
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

  it('fails the alarm check, without throwing, when alarms cannot be read', async () => {
    cloudWatchMock.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('not authorized to DescribeAlarms'), { name: 'AccessDenied' }));

    const result = await handler({ ...request, budgetMs: 1, environments: [{ name: 'production', alarmPrefixes: ['shop-prod-'] }] }, fakeContext({ functionName: 'validator' }));

    expect(result).toMatchObject({ success: false, checks: [{ check: 'alarms', passed: false, detail: 'cannot read alarms: AccessDenied: not authorized to DescribeAlarms' }] });
  });
});
