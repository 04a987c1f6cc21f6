import { readFileSync } from 'node:fs';
import { CodePipelineClient, GetPipelineExecutionCommand, GetPipelineStateCommand, RollbackStageCommand, StopPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { GetAliasCommand, GetFunctionConfigurationCommand, InvokeCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchAlarmActions } from '../../shared/aws/cloudwatch-alarm-actions';
import { loadConfig, type RollbackConfig } from '../../shared/config';
import type { RecordDeploymentInput } from '../../shared/history/deployment-history';
import type { Journal } from '../../shared/history/run-store';
import { SnsNotifier } from '../../shared/notify/sns-notifier';
import type { AdmissionRules } from '../../shared/events/request-entry';
import { answerInvocation } from '../../shared/rollback/answer-invocation';
import { runRollback, type RollbackDependencies, type RunLogger } from '../../shared/rollback/rollback-runner';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { awsTargetDrivers, type TargetDrivers } from '../../shared/targets/target-drivers';
import { LambdaValidatorClient } from '../../shared/validation/lambda-validator-client';
import type { ValidationRequest, ValidationResult } from '../../shared/validation/validation-contract';
import { createTestHistory } from './history-table';

/** The links every harness notification carries (the orchestrator builds them from AWS_REGION and its log group). */
export const HARNESS_LINKS = { region: 'eu-west-1', dashboardName: 'rollback-controller-demo-shop', logGroupName: '/aws/lambda/orchestrator' };

export const lambdaMock = mockClient(LambdaClient);
export const pipelineMock = mockClient(CodePipelineClient);
export const snsMock = mockClient(SNSClient);
export const cloudWatchMock = mockClient(CloudWatchClient);

export const VALIDATOR_FUNCTION = 'rollback-controller-validator';
export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:rollback-results';

/** The sample events in events/, read as a person would send them. */
export function sampleEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`events/${name}.json`, 'utf8')) as Record<string, unknown>;
}

/** An on-call person's role session, as Lambda verifies it for the request URL. */
export const ON_CALL_ARN = 'arn:aws:sts::123456789012:assumed-role/OnCall/ana';

/** A request as it arrives through the request URL (the sample's envelope), signed by `callerArn`. */
export function throughRequestUrl(request: unknown, callerArn = ON_CALL_ARN): Record<string, any> {
  const envelope = sampleEvent('request-url-rollback') as Record<string, any>;
  envelope.body = JSON.stringify(request);
  envelope.requestContext.authorizer.iam.userArn = callerArn;
  envelope.requestContext.authorizer.iam.accountId = callerArn.split(':')[4];
  return envelope;
}

/** The same alarm, delivered again as a separate EventBridge event (a storm is many of these). */
export function alarmDelivery(name: string, id: string): Record<string, unknown> {
  return { ...sampleEvent(name), id };
}

export function validatorPayload(result: Partial<ValidationResult> & { success: boolean }) {
  const body = { timestamp: '2026-11-23T10:16:00.000Z', checks: [], rounds: 3, durationMs: 30_000, ...result };
  return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(body)) as never };
}

export const healthy = validatorPayload({ success: true, rounds: 3 });
export const unhealthy = validatorPayload({
  success: false,
  reason: 'alarms: demo-shop-prod-api-5xx is ALARM',
  failedAlarms: [{ name: 'demo-shop-prod-api-5xx', state: 'ALARM', reason: 'Threshold Crossed' }],
});

/** The UpdateAlias inputs that put production and staging back on 1.3.0 (the demo history's last known good). */
const aliasRestore = (environment: string, versions: [string, string]) =>
  (['api', 'worker'] as const).map((role, index) => ({
    FunctionName: `demo-shop-${environment}-${role}`,
    Name: 'live',
    FunctionVersion: versions[index],
    RoutingConfig: { AdditionalVersionWeights: {} },
  }));
export const prodAliasRestore = aliasRestore('prod', ['41', '16']);
export const stagingAliasRestore = aliasRestore('staging', ['31', '11']);

/** Orders UpdateAlias inputs by function, for comparing calls made in parallel. */
export const byFunction = (left: { FunctionName?: string }, right: { FunctionName?: string }) => (left.FunctionName ?? '').localeCompare(right.FunctionName ?? '');

/** Records log lines instead of printing them. */
export function recordingLogger(): RunLogger & { lines: string[] } {
  const lines: string[] = [];
  const write = (message: string, ...extra: Record<string, unknown>[]) => lines.push(`${message} ${JSON.stringify(extra)}`);
  return { lines, info: write, warn: write, error: write };
}

type Spec = Omit<RecordDeploymentInput, 'source' | 'at'> & { at: string };

/** What a demo deployment recorded: the alias versions, and the pipeline execution when one deployed it. */
export function points(versions: Record<string, string>, executionId?: string): Record<string, unknown> {
  return { 'lambda-alias': { versions }, ...(executionId ? { 'codepipeline-stage': { executionId } } : {}) };
}

/** Production and staging both run 1.4.0 over 1.3.0 (and production has 1.2.0 before); test runs 1.5.0. */
export const DEMO_HISTORY: Spec[] = [
  { deploymentId: 'prod-120', environment: 'production', version: '1.2.0', status: 'succeeded', at: '2026-11-20T08:00:00.000Z',
    restorePoints: points({ 'demo-shop-prod-api': '40', 'demo-shop-prod-worker': '15' }, 'exec-120'), pipeline: { name: 'demo-shop-release', stage: 'DeployProduction', executionId: 'exec-120' } },
  { deploymentId: 'prod-130', environment: 'production', version: '1.3.0', status: 'succeeded', at: '2026-11-21T08:00:00.000Z',
    restorePoints: points({ 'demo-shop-prod-api': '41', 'demo-shop-prod-worker': '16' }, 'exec-130'), pipeline: { name: 'demo-shop-release', stage: 'DeployProduction', executionId: 'exec-130' } },
  { deploymentId: 'prod-140', environment: 'production', version: '1.4.0', status: 'succeeded', at: '2026-11-23T08:00:00.000Z',
    restorePoints: points({ 'demo-shop-prod-api': '42', 'demo-shop-prod-worker': '17' }, 'exec-140'), pipeline: { name: 'demo-shop-release', stage: 'DeployProduction', executionId: 'exec-140' } },
  { deploymentId: 'stag-130', environment: 'staging', version: '1.3.0', status: 'succeeded', at: '2026-11-21T07:00:00.000Z',
    restorePoints: points({ 'demo-shop-staging-api': '31', 'demo-shop-staging-worker': '11' }) },
  { deploymentId: 'stag-140', environment: 'staging', version: '1.4.0', status: 'succeeded', at: '2026-11-23T07:00:00.000Z',
    restorePoints: points({ 'demo-shop-staging-api': '32', 'demo-shop-staging-worker': '12' }) },
  { deploymentId: 'test-140', environment: 'test', version: '1.4.0', status: 'succeeded', at: '2026-11-22T06:00:00.000Z',
    restorePoints: points({ 'demo-shop-test-api': '7', 'demo-shop-test-worker': '7' }) },
  { deploymentId: 'test-150', environment: 'test', version: '1.5.0', status: 'succeeded', at: '2026-11-23T06:00:00.000Z',
    restorePoints: points({ 'demo-shop-test-api': '8', 'demo-shop-test-worker': '8' }) },
];

/**
 * The shipped configuration with each environment restoring what the demo history records a restore
 * point for: the Lambda aliases, and production's pipeline stage (a known good must cover every
 * configured target, and the demo history is that app's).
 */
export function harnessConfig(config: RollbackConfig): RollbackConfig {
  const recorded = (name: string) => (name === 'production' ? ['lambda-alias', 'codepipeline-stage'] : ['lambda-alias']);
  return { ...config, environments: config.environments.map((environment) => ({ ...environment, targets: environment.targets.filter((target) => recorded(environment.name).includes(target.type)) })) };
}

/** What a dead container's every call meets, and what its caller hears instead of an answer. */
const DIED = 'the container died';
const throttled = () => Object.assign(new Error('Throughput exceeds the current capacity of your table or index.'), { name: 'ProvisionedThroughputExceededException' });

/**
 * A fresh table with the demo history, real adapters over mocked AWS clients, and a clock at alarm
 * time + 30 s. Faults are injected at the ports: a crash right after a given journal write (every
 * later call of that invocation fails, as in a dead container), or a journal that cannot be written.
 */
export async function createOrchestratorHarness(options: { history?: Spec[]; configure?: (config: RollbackConfig) => RollbackConfig; ledger?: 'filled' | 'absent' } = {}) {
  const history = await createTestHistory({ start: '2026-11-23T10:15:30.000Z' });
  for (const { at, ...spec } of options.history ?? DEMO_HISTORY) {
    await history.deployments.recordDeployment({ ...spec, at: new Date(at), source: 'codepipeline' });
  }
  lambdaMock.reset();
  pipelineMock.reset();
  snsMock.reset();
  // What each alias serves: the live deployments' versions to begin with, then whatever UpdateAlias set.
  const aliasVersions = new Map<string, string>();
  lambdaMock.on(UpdateAliasCommand).callsFake((input: { FunctionName: string; FunctionVersion: string }) => (aliasVersions.set(input.FunctionName, input.FunctionVersion), {}));
  lambdaMock.on(GetAliasCommand).callsFake((input: { FunctionName: string }) => ({ FunctionVersion: aliasVersions.get(input.FunctionName) ?? (input.FunctionName.endsWith('api') ? '42' : '17') }));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ State: 'Active' });
  lambdaMock.on(InvokeCommand).resolves(healthy);
  pipelineMock.on(GetPipelineExecutionCommand).callsFake((input: { pipelineExecutionId: string }) =>
    input.pipelineExecutionId.startsWith('exec-rollback')
      ? { pipelineExecution: { executionType: 'ROLLBACK', status: 'InProgress', rollbackMetadata: { rollbackTargetPipelineExecutionId: 'exec-130' } } }
      : { pipelineExecution: { executionType: 'STANDARD', status: 'Succeeded' } },
  );
  // The stage's latest execution: the rollback once RollbackStage started one.
  pipelineMock.on(GetPipelineStateCommand).callsFake(() => ({
    stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: pipelineMock.commandCalls(RollbackStageCommand).length > 0 ? 'exec-rollback-1' : 'exec-140', status: 'InProgress' } }],
  }));
  pipelineMock.on(StopPipelineExecutionCommand).resolves({});
  pipelineMock.on(RollbackStageCommand).resolves({ pipelineExecutionId: 'exec-rollback-1' });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  cloudWatchMock.reset();
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'demo-shop-prod-api-5xx', ActionsEnabled: true }] });

  let isDead = false;
  let crashAfter: string | undefined;
  let isJournalBroken = false;
  let isLedgerBroken = false;
  /** Port methods whose next call fails once (throttled past the SDK's retries), by name. */
  const failingOnce = new Set<string>();
  const failOnceIfAsked = (name: string) => {
    if (failingOnce.delete(name)) throw throttled();
  };
  /** Every DynamoDB call the ports make ("Query", "GetItem"…), in the order they were sent. */
  const dynamoDbCalls: string[] = [];
  history.client.middlewareStack.add(
    (next, context) => async (args) => {
      dynamoDbCalls.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countDynamoDbCalls' },
  );
  const alive = () => {
    if (isDead) throw new Error(DIED);
  };
  /** Every call through a port first checks the container is alive. */
  const guarded = <Port extends object>(port: Port, after?: (name: string, args: unknown[]) => void, before?: (name: string) => void): Port =>
    new Proxy(port, {
      get: (target, property) => {
        const value = Reflect.get(target, property);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          alive();
          before?.(String(property));
          const result = await value.apply(target, args);
          after?.(String(property), args);
          return result;
        };
      },
    });
  const guardedDrivers = (drivers: TargetDrivers): TargetDrivers => ({ driverFor: (type, environment) => guarded(drivers.driverFor(type, environment)) });
  const JOURNAL_WRITES = new Set(['writeJournal', 'complete', 'handOver', 'release']);
  const LEDGER_WRITES = new Set(['noteRollback', 'fillLedger']);
  const runs = guarded(
    history.runs,
    (name, args) => {
      const written = name === 'claim' ? (args[0] as { claimStep?: { step: string } }).claimStep : JOURNAL_WRITES.has(name) ? (args.at(-1) as Journal).timeline.at(-1) : undefined;
      if (crashAfter && written?.step === crashAfter) {
        crashAfter = undefined;
        isDead = true;
      }
    },
    (name) => {
      failOnceIfAsked(name);
      if (isJournalBroken && JOURNAL_WRITES.has(name)) throw throttled();
    },
  );

  const logger = recordingLogger();
  const lambda = new LambdaClient({ region: 'eu-west-1' });
  const dependencies: RollbackDependencies = {
    config: (options.configure ?? ((config) => config))(harnessConfig(loadConfig('rollback.config.json'))),
    history: {
      deployments: guarded(history.deployments),
      runs,
      notices: guarded(history.notices),
      controls: guarded(history.controls, undefined, (name) => {
        failOnceIfAsked(name);
        if (isLedgerBroken && LEDGER_WRITES.has(name)) throw throttled();
      }),
    },
    targets: guardedDrivers(awsTargetDrivers(awsClientFactory({ base: { region: 'eu-west-1' } }))),
    validator: guarded(new LambdaValidatorClient(async () => lambda, VALIDATOR_FUNCTION)),
    notifier: guarded(new SnsNotifier(async () => new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN, { links: HARNESS_LINKS })),
    alarms: guarded(new CloudWatchAlarmActions(async () => new CloudWatchClient({ region: 'eu-west-1' }))),
    clock: history.clock,
    logger,
    remainingTimeMs: () => 890_000,
  };
  let invocation = 0;
  /** One invocation; a container that died in it gives its caller no answer. */
  const run = async (event: unknown, invocationId = `aws-request-${(invocation += 1)}`) => {
    isDead = false;
    const result = await runRollback(event, invocationId, dependencies);
    if (isDead) throw new Error(DIED);
    return result;
  };
  /** One invocation as Lambda delivers it: a request through the request URL unwrapped and admitted, or refused, first. */
  const invoke = async (event: unknown, rules: Partial<AdmissionRules> = {}, invocationId = `aws-request-${(invocation += 1)}`) => {
    isDead = false;
    const answer = await answerInvocation(event, invocationId, dependencies, { forcePrincipals: dependencies.config.policy.forcePrincipals, refusedRoles: [], ...rules });
    if (isDead) throw new Error(DIED);
    return answer;
  };
  const everyPublished = () => snsMock.commandCalls(PublishCommand).map((call) => ({ ...call.args[0].input, body: JSON.parse(call.args[0].input.Message!) }));
  /** What the run said of its end (skips, results, escalations, handovers); the "rolling back now" starts are `starts()`, the reconciler's readiness warnings `notReady()`. */
  const published = () => everyPublished().filter((message) => message.body.type !== 'rollback_started' && message.body.type !== 'rollback_not_ready');
  const notReady = () => everyPublished().filter((message) => message.body.type === 'rollback_not_ready');
  const starts = () => everyPublished().filter((message) => message.body.type === 'rollback_started');
  const aliasUpdates = () => lambdaMock.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input);
  const mutatingCalls = () =>
    lambdaMock.commandCalls(UpdateAliasCommand).length +
    pipelineMock.commandCalls(StopPipelineExecutionCommand).length +
    pipelineMock.commandCalls(RollbackStageCommand).length;
  const validatorRequests = (): ValidationRequest[] =>
    lambdaMock.commandCalls(InvokeCommand).map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)));
  for (const environment of dependencies.config.environments) {
    const versions = (await history.deployments.findRollbackPair(environment)).liveDeployment?.restorePoints?.['lambda-alias'] as { versions?: Record<string, string> } | undefined;
    for (const [name, version] of Object.entries(versions?.versions ?? {})) aliasVersions.set(name, version);
  }
  // As deployed: the reconciler's schedule has filled every environment's rollback ledger (and checked its readiness) before an alarm comes.
  if ((options.ledger ?? 'filled') === 'filled') {
    await runRollback({ action: 'reconcile' }, 'reconciler-before-the-test', dependencies);
    for (const mock of [lambdaMock, pipelineMock, snsMock, cloudWatchMock]) mock.resetHistory();
    dynamoDbCalls.splice(0);
  }
  return {
    history,
    dependencies,
    logger,
    run,
    invoke,
    published,
    starts,
    notReady,
    everyPublished,
    aliasUpdates,
    mutatingCalls,
    validatorRequests,
    clock: history.clock,
    record: (deploymentId: string) => history.deployments.getDeployment(deploymentId),
    /** `count` automatic rollbacks in production between 09:20 and the alarm (10:15), then the clock back at alarm time + 30 s. */
    seedAutomaticRollbacks: async (count: number) => {
      const { deployments, runs, clock } = history;
      for (let index = 0; index < count; index += 1) {
        const { deployment } = await deployments.recordDeployment({ deploymentId: `older-${index}`, environment: 'production', version: `1.1.${index}`, status: 'succeeded', source: 'cli', at: new Date('2026-11-19T08:00:00.000Z') });
        clock.set(new Date(Date.parse('2026-11-23T09:20:00.000Z') + index * 60_000));
        const claimed = await runs.claim({ observed: deployment, runId: `earlier-run-${index}`, invocationId: `earlier-${index}`, mode: 'automatic', trigger: { type: 'alarm' }, leaseSeconds: 60 });
        // As a run does: its claim goes on the environment's ledger.
        if (claimed.outcome === 'claimed') await history.controls.noteRollback(claimed.deployment, { asClaimed: true });
      }
      clock.set('2026-11-23T10:15:30.000Z');
    },
    /** The container dies right after the journal write that holds this step. */
    crashAfterJournaling: (step: string) => {
      crashAfter = step;
    },
    /** Journal writes fail (DynamoDB throttling that outlasts the SDK's retries) until repaired. */
    breakJournal: (isBroken = true) => {
      isJournalBroken = isBroken;
    },
    reconcile: () => run({ action: 'reconcile' }),
    /** Writes to the environments' rollback ledgers fail (throttling that outlasts the SDK's retries) until repaired. */
    breakLedger: (isBroken = true) => {
      isLedgerBroken = isBroken;
    },
    /** The next call of this run-store or head method (`complete`, `noteRollback`…) fails once, throttled past the SDK's retries. */
    failOnce: (method: string) => {
      failingOnce.add(method);
    },
    /** Someone (a CI job, a person in the console) points these aliases at these versions. */
    moveAliases: (versions: Record<string, string>) => {
      for (const [name, version] of Object.entries(versions)) aliasVersions.set(name, version);
    },
    /** The DynamoDB calls made since the last look, in order. */
    takeDynamoDbCalls: () => dynamoDbCalls.splice(0),
  };
}
