import { CloudFrontClient, GetDistributionConfigCommand, type DistributionConfig } from '@aws-sdk/client-cloudfront';
import { CodePipelineClient, GetPipelineExecutionCommand, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { GetAliasCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { recorderHistoryStatements } from '../../infra/controller-permissions';
import { findEnvironment, loadConfig } from '../../shared/config';
import { recordedEnvironments, recordedStages, type RecorderResult } from '../../shared/recording/record-pipeline-event';
import { createTestHistory } from '../helpers/history-table';
import { fakeContext, stubFunctionEnvironment } from '../helpers/lambda-context';
import { sampleEvent } from '../helpers/orchestrator-harness';

const pipelineMock = mockClient(CodePipelineClient);
const lambdaMock = mockClient(LambdaClient);
const cloudFrontMock = mockClient(CloudFrontClient);
const EXECUTION = '6c6d6a3e-8e7b-4d0e-9f3c-1a2b3c4d5e6f';
const ROLLBACK_EXECUTION = '0f0e0d0c-2222-4333-8444-a55566677788';
const DEPLOYMENT_ID = `demo-shop-release/DeployProduction/${EXECUTION}`;

type Handler = (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<RecorderResult>;

describe('recorder handler (CodePipeline stage events → history on DynamoDB Local)', () => {
  let handler: Handler;
  let history: Awaited<ReturnType<typeof createTestHistory>>;

  beforeAll(async () => {
    history = await createTestHistory();
    stubFunctionEnvironment({ HISTORY_TABLE_NAME: history.tableName, ORCHESTRATOR_FUNCTION_NAME: 'orchestrator' });
    ({ handler } = (await import('../../functions/recorder/handler')) as unknown as { handler: Handler });
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });
  // The execution that last entered the stage: the one whose event is being handled (delivered in time), unless a newer one is set.
  let handledExecution: string | undefined;
  let newerExecution: string | undefined;
  beforeEach(() => {
    pipelineMock.reset();
    lambdaMock.reset();
    newerExecution = undefined;
    pipelineMock.on(GetPipelineStateCommand).callsFake(() => ({
      stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: newerExecution ?? handledExecution, status: newerExecution ? 'InProgress' : 'Succeeded' } }],
    }));
    pipelineMock.on(GetPipelineExecutionCommand).resolves({
      pipelineExecution: { executionType: 'STANDARD', artifactRevisions: [{ name: 'Source', revisionId: '9f1c2ab77d0e44aa', revisionSummary: 'Fix checkout totals' }] },
    });
    lambdaMock.on(GetAliasCommand, { FunctionName: 'demo-shop-prod-api' }).resolves({ FunctionVersion: '42' });
    lambdaMock.on(GetAliasCommand, { FunctionName: 'demo-shop-prod-worker' }).resolves({ FunctionVersion: '17' });
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
    cloudFrontMock.reset();
    // The demo production's frontend: its origin serves release 1.4.1.
    cloudFrontMock.on(GetDistributionConfigCommand, { Id: 'E2DEMOSHOP0001' }).resolves({
      DistributionConfig: { Origins: { Quantity: 1, Items: [{ Id: 'frontend-releases', DomainName: 'demo-shop-frontend.s3.amazonaws.com', OriginPath: '/releases/1.4.1' }] } } as DistributionConfig,
      ETag: 'E1',
    });
  });
  const invoke = async (name: string, change: (event: Record<string, any>) => void = () => undefined) => {
    const event = sampleEvent(name);
    change(event);
    handledExecution = (event as { detail?: Record<string, string> }).detail?.['execution-id'];
    const result = await handler(event, fakeContext({ functionName: 'recorder' }));
    if ('deploymentId' in result) written.add(result.deploymentId);
    return result;
  };
  /** Every record the recorder wrote in this file: the last test holds them to its IAM policy. */
  const written = new Set<string>();

  it('records STARTED as in_progress with its execution, then SUCCEEDED with the revision and every target’s restore point', async () => {
    const started = await invoke('codepipeline-stage-started');
    // The execution is the stage's restore point from the start: a rollback stops the one in flight.
    const whileRunning = await history.deployments.getDeployment(DEPLOYMENT_ID);
    const succeeded = await invoke('codepipeline-stage-succeeded');

    expect(started).toEqual({ outcome: 'created', deploymentId: DEPLOYMENT_ID, kind: 'deployment', status: 'in_progress', environment: 'production' });
    expect(whileRunning?.restorePoints).toEqual({ 'codepipeline-stage': { executionId: EXECUTION } });
    expect(succeeded).toMatchObject({ outcome: 'updated', status: 'succeeded' });
    expect(pipelineMock.commandCalls(GetPipelineExecutionCommand)[0]?.args[0].input).toEqual({ pipelineName: 'demo-shop-release', pipelineExecutionId: EXECUTION });
    expect(lambdaMock.commandCalls(GetAliasCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'demo-shop-prod-api', Name: 'live' },
      { FunctionName: 'demo-shop-prod-worker', Name: 'live' },
    ]);
    expect(await history.deployments.getDeployment(DEPLOYMENT_ID)).toMatchObject({
      kind: 'deployment',
      environment: 'production',
      version: '9f1c2ab77d0e',
      status: 'succeeded',
      startedAt: '2026-11-23T08:00:00.000Z',
      finishedAt: '2026-11-23T08:06:00.000Z',
      sourceRevision: '9f1c2ab77d0e44aa Fix checkout totals',
      restorePoints: {
        'lambda-alias': { versions: { 'demo-shop-prod-api': '42', 'demo-shop-prod-worker': '17' } },
        'codepipeline-stage': { executionId: EXECUTION },
        's3-cloudfront': { release: '1.4.1' },
      },
      pipeline: { name: 'demo-shop-release', stage: 'DeployProduction', executionId: EXECUTION },
    });
  });

  it('records a late SUCCEEDED, handled after a newer execution entered the stage, without the newer one’s live versions, and says so', async () => {
    const late = '22222222-3333-4444-8555-666666666666';
    const newer = '33333333-4444-4555-8666-777777777777';
    const setExecution = (event: Record<string, any>) => (event.detail['execution-id'] = late);
    await invoke('codepipeline-stage-started', setExecution);
    newerExecution = newer; // execution B has since entered DeployProduction and moved the aliases to its versions (42, 17)

    const result = await invoke('codepipeline-stage-succeeded', setExecution);

    const why = `lambda-alias, s3-cloudfront not recorded: execution ${newer} entered demo-shop-release/DeployProduction before this event was handled, so what is live now may be its, not this deployment's`;
    expect(result).toMatchObject({ outcome: 'updated', status: 'succeeded', restorePointsUnknown: why });
    const recorded = await history.deployments.getDeployment(`demo-shop-release/DeployProduction/${late}`);
    expect(recorded).toMatchObject({ status: 'succeeded', restorePointsUnknown: why });
    // Only the stage's own execution is this deployment's for certain: RollbackStage to it is still possible.
    expect(recorded?.restorePoints).toEqual({ 'codepipeline-stage': { executionId: late } });
    expect(pipelineMock.commandCalls(GetPipelineStateCommand).map((call) => call.args[0].input)).toEqual([{ name: 'demo-shop-release' }]);
  });

  it('asks the stage for its latest execution after reading the targets, so nothing enters the stage unseen in between', async () => {
    const execution = '44444444-5555-4666-8777-888888888888';
    const order: string[] = [];
    lambdaMock.on(GetAliasCommand).callsFake(() => (order.push('GetAlias'), { FunctionVersion: '42' }));
    pipelineMock.on(GetPipelineStateCommand).callsFake(() => (order.push('GetPipelineState'), { stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: execution } }] }));

    const result = await invoke('codepipeline-stage-succeeded', (event) => (event.detail['execution-id'] = execution));

    expect(result).not.toHaveProperty('restorePointsUnknown');
    expect(order).toEqual(['GetAlias', 'GetAlias', 'GetPipelineState']);
  });

  it('changes nothing when the same event is delivered twice', async () => {
    const before = await history.deployments.getDeployment(DEPLOYMENT_ID);

    const again = await invoke('codepipeline-stage-succeeded');

    expect(again).toMatchObject({ outcome: 'unchanged' });
    expect(await history.deployments.getDeployment(DEPLOYMENT_ID)).toEqual(before);
  });

  it('leaves the right record when SUCCEEDED arrives before STARTED', async () => {
    const execution = '11111111-2222-4333-8444-555555555555';
    const setExecution = (event: Record<string, any>) => (event.detail['execution-id'] = execution);

    const first = await invoke('codepipeline-stage-succeeded', setExecution);
    const late = await invoke('codepipeline-stage-started', setExecution);

    expect([first.outcome, late.outcome]).toEqual(['created', 'unchanged']);
    expect(await history.deployments.getDeployment(`demo-shop-release/DeployProduction/${execution}`)).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-11-23T08:00:00.000Z',
      finishedAt: '2026-11-23T08:06:00.000Z',
    });
  });

  it('records FAILED, STOPPED, CANCELED and SUPERSEDED as failed, keeping the stage state; only FAILED reads what it left live (production rolls back failed deploys)', async () => {
    const results = [];
    for (const [index, state] of ['FAILED', 'STOPPED', 'CANCELED', 'SUPERSEDED'].entries()) {
      results.push(await invoke('codepipeline-stage-failed', (event) => {
        event.detail.state = state;
        event.detail['execution-id'] = `aaaaaaaa-0000-4000-8000-00000000000${index}`;
      }));
    }

    expect(results.map((result) => 'status' in result && result.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(await history.deployments.getDeployment('demo-shop-release/DeployProduction/aaaaaaaa-0000-4000-8000-000000000001')).toMatchObject({ status: 'failed', stageState: 'STOPPED' });
    // A stopped or superseded execution did not fail its deploy: only FAILED reads the two aliases.
    expect(lambdaMock.commandCalls(GetAliasCommand)).toHaveLength(2);
  });

  it('records a RollbackStage re-execution as a restore of the target, never as a new active deployment: the deployment it put back is live again', async () => {
    pipelineMock.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { executionType: 'ROLLBACK', rollbackMetadata: { rollbackTargetPipelineExecutionId: EXECUTION }, artifactRevisions: [{ revisionId: '9f1c2ab77d0e44aa' }] } });
    await history.deployments.recordDeployment({ deploymentId: 'newer-bad', environment: 'production', version: '2.0.0', status: 'succeeded', source: 'cli', at: new Date('2026-11-23T09:30:00.000Z'), restorePoints: { 'lambda-alias': { versions: { 'demo-shop-prod-api': '43' } } } });

    const restore = await invoke('codepipeline-stage-rollback-succeeded');

    expect(restore).toMatchObject({ outcome: 'created', kind: 'restore', deploymentId: `demo-shop-release/DeployProduction/${ROLLBACK_EXECUTION}` });
    expect(await history.deployments.getDeployment(`demo-shop-release/DeployProduction/${ROLLBACK_EXECUTION}`)).toMatchObject({ kind: 'restore', version: '9f1c2ab77d0e', restoreOf: DEPLOYMENT_ID });
    const pair = await history.deployments.findRollbackPair(findEnvironment(loadConfig('rollback.config.json'), 'production'));
    expect(pair.activeDeployment?.deploymentId).toBe(DEPLOYMENT_ID);
    expect(pair.live).toMatchObject({ deploymentId: DEPLOYMENT_ID, cause: 'pipeline_restore', targets: { 'lambda-alias': `demo-shop-release/DeployProduction/${ROLLBACK_EXECUTION}` } });
  });

  it.each([
    ['an unknown pipeline', 'codepipeline-stage-unknown-pipeline', () => undefined, { outcome: 'ignored', reason: 'someone-elses-pipeline/Deploy deploys no configured environment' }],
    ['an unconfigured stage', 'codepipeline-stage-succeeded', (event: Record<string, any>) => (event.detail.stage = 'Build'), { outcome: 'ignored', reason: 'demo-shop-release/Build deploys no configured environment' }],
    ['STOPPING', 'codepipeline-stage-failed', (event: Record<string, any>) => (event.detail.state = 'STOPPING'), { outcome: 'ignored', reason: 'STOPPING is not a deployment state change' }],
    ['a malformed event', 'codepipeline-stage-succeeded', (event: Record<string, any>) => delete event.detail['execution-id'], { outcome: 'rejected', reason: expect.stringContaining('detail.execution-id') }],
    // Rejected, not thrown: a throw would have EventBridge deliver it again for a day.
    ['an event at an extended year', 'codepipeline-stage-succeeded', (event: Record<string, any>) => (event.time = '+010000-01-01T00:00:00Z'), { outcome: 'rejected', reason: expect.stringContaining('time: not a timestamp') }],
    ['a 5 KB execution id', 'codepipeline-stage-succeeded', (event: Record<string, any>) => (event.detail['execution-id'] = 'a'.repeat(5_000)), { outcome: 'rejected', reason: expect.stringContaining('detail.execution-id: must be a pipeline execution id') }],
  ])('ignores %s with a reason, reading and writing nothing', async (_, name, change, expected) => {
    const result = await invoke(name, change);

    expect(result).toEqual(expected);
    expect(pipelineMock.calls()).toHaveLength(0);
  });

  it('records a stage that failed and then succeeded on retry (STARTED, FAILED, RESUMED, SUCCEEDED) as succeeded, with its restore points, and live', async () => {
    const execution = '55555555-6666-4777-8888-999999999999';
    const at = (time: string, state: string) => (event: Record<string, any>) => Object.assign(event, { time }, { detail: { ...event.detail, 'execution-id': execution, state } });

    await invoke('codepipeline-stage-started', at('2026-11-23T10:00:00Z', 'STARTED'));
    const failed = await invoke('codepipeline-stage-failed', at('2026-11-23T10:06:00Z', 'FAILED'));
    const resumed = await invoke('codepipeline-stage-started', at('2026-11-23T10:20:00Z', 'RESUMED'));
    const succeeded = await invoke('codepipeline-stage-succeeded', at('2026-11-23T10:26:00Z', 'SUCCEEDED'));

    const id = `demo-shop-release/DeployProduction/${execution}`;
    expect([failed, resumed, succeeded].map((result) => 'status' in result && result.status)).toEqual(['failed', 'in_progress', 'succeeded']);
    const recorded = await history.deployments.getDeployment(id);
    expect(recorded).toMatchObject({ status: 'succeeded', startedAt: '2026-11-23T10:00:00.000Z', finishedAt: '2026-11-23T10:26:00.000Z', restorePoints: { 'lambda-alias': { versions: { 'demo-shop-prod-api': '42', 'demo-shop-prod-worker': '17' } }, 'codepipeline-stage': { executionId: execution } } });
    expect(recorded).not.toHaveProperty('stageState');
    const pair = await history.deployments.findRollbackPair(findEnvironment(loadConfig('rollback.config.json'), 'production'));
    expect(pair).toMatchObject({ activeBy: 'live', activeDeployment: { deploymentId: id } });
  });

  it('writes only what its IAM policy allows: the attributes it may write, on items keyed by a configured stage', async () => {
    const write = recorderHistoryStatements('arn:aws:dynamodb:eu-west-1:123456789012:table/history', recordedStages(loadConfig('rollback.config.json')), recordedEnvironments(loadConfig('rollback.config.json')))[1]!.toStatementJson() as {
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': string[] }; 'ForAllValues:StringEquals': { 'dynamodb:Attributes': string[] } };
    };
    const keyPatterns = write.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'].map((pattern) => new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`));
    const allowed = write.Condition['ForAllValues:StringEquals']['dynamodb:Attributes'];

    expect(written.size).toBeGreaterThanOrEqual(5);
    // Its records, and the head of their environment, where it keeps what is live.
    for (const deploymentId of [...written, 'control#production']) {
      const { Item } = await history.client.send(new GetCommand({ TableName: history.tableName, Key: { deploymentId } }));
      expect({ deploymentId, keyAllowed: keyPatterns.some((pattern) => pattern.test(deploymentId)) }).toEqual({ deploymentId, keyAllowed: true });
      expect(Object.keys(Item!).filter((attribute) => !allowed.includes(attribute))).toEqual([]);
    }
  });
});
