import { CloudFrontClient, GetDistributionConfigCommand, type DistributionConfig } from '@aws-sdk/client-cloudfront';
import { CodePipelineClient, GetPipelineExecutionCommand, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { GetAliasCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { findEnvironment, loadConfig } from '../../shared/config';
import { LambdaDeployFailureReporter } from '../../shared/recording/lambda-deploy-failure-reporter';
import { CodePipelineExecutionReader } from '../../shared/recording/pipeline-execution-reader';
import { recordPipelineEvent, type RecorderDependencies } from '../../shared/recording/record-pipeline-event';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { awsTargetDrivers } from '../../shared/targets/target-drivers';
import { createTestHistory } from '../helpers/history-table';
import { createOrchestratorHarness, points, prodAliasRestore, recordingLogger, sampleEvent } from '../helpers/orchestrator-harness';

const lambdaMock = mockClient(LambdaClient);
const pipelineMock = mockClient(CodePipelineClient);
const cloudFrontMock = mockClient(CloudFrontClient);
const config = loadConfig('rollback.config.json');
const FAILED_EXECUTION = '9a8b7c6d-1111-4222-8333-944455566677';
const FAILED_ID = `demo-shop-release/DeployProduction/${FAILED_EXECUTION}`;

describe('the recorder, when a production deploy fails (rollbackOnDeployFailure)', () => {
  const serving = (api: string, worker: string, release: string) => {
    lambdaMock.on(GetAliasCommand, { FunctionName: 'demo-shop-prod-api' }).resolves({ FunctionVersion: api }).on(GetAliasCommand, { FunctionName: 'demo-shop-prod-worker' }).resolves({ FunctionVersion: worker });
    cloudFrontMock.on(GetDistributionConfigCommand).resolves({
      DistributionConfig: { Origins: { Quantity: 1, Items: [{ Id: 'frontend-releases', DomainName: 'demo-shop-frontend.s3.amazonaws.com', OriginPath: `/releases/${release}` }] } } as DistributionConfig,
      ETag: 'E1',
    });
  };
  const setUp = async () => {
    const history = await createTestHistory();
    await history.deployments.recordDeployment({
      deploymentId: 'good-130',
      environment: 'production',
      version: '1.3.0',
      status: 'succeeded',
      source: 'codepipeline',
      at: new Date('2026-11-22T08:00:00.000Z'),
      restorePoints: { ...points({ 'demo-shop-prod-api': '41', 'demo-shop-prod-worker': '16' }, 'exec-130'), 's3-cloudfront': { release: '1.3.0' } },
    });
    const deps: RecorderDependencies = {
      config,
      history: history.deployments,
      executions: new CodePipelineExecutionReader(new CodePipelineClient({ region: 'eu-west-1' })),
      targets: awsTargetDrivers(awsClientFactory({ base: { region: 'eu-west-1' } })),
      deployFailures: new LambdaDeployFailureReporter(async () => new LambdaClient({ region: 'eu-west-1' }), 'rollback-controller-orchestrator'),
      logger: recordingLogger(),
    };
    const stageEvent = (state: 'STARTED' | 'FAILED', stage = 'DeployProduction') => {
      const event = sampleEvent(state === 'STARTED' ? 'codepipeline-stage-started' : 'codepipeline-stage-failed') as { detail: Record<string, unknown>; time: string };
      event.detail['execution-id'] = FAILED_EXECUTION;
      event.detail.stage = stage;
      event.time = state === 'STARTED' ? '2026-11-23T08:50:00Z' : '2026-11-23T09:00:00Z';
      return event;
    };
    return { history, deps, stageEvent };
  };

  beforeEach(() => {
    lambdaMock.reset();
    pipelineMock.reset();
    cloudFrontMock.reset();
    pipelineMock.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { executionType: 'STANDARD', artifactRevisions: [{ revisionId: '7e0c11aa22bb33cc' }] } });
    pipelineMock.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'DeployProduction', latestExecution: { pipelineExecutionId: FAILED_EXECUTION, status: 'Failed' } }] });
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
  });

  it('records what the failed deploy left live and asks the orchestrator, asynchronously, to roll it back', async () => {
    const { history, deps, stageEvent } = await setUp();
    serving('43', '18', '1.3.0');
    await recordPipelineEvent(stageEvent('STARTED'), deps);

    const result = await recordPipelineEvent(stageEvent('FAILED'), deps);

    expect(result).toMatchObject({ outcome: 'updated', status: 'failed', rollbackRequested: ['lambda-alias'] });
    expect(await history.deployments.getDeployment(FAILED_ID)).toMatchObject({
      status: 'failed',
      restorePoints: { 'lambda-alias': { versions: { 'demo-shop-prod-api': '43', 'demo-shop-prod-worker': '18' } }, 's3-cloudfront': { release: '1.3.0' } },
    });
    expect((await history.deployments.findRollbackPair(findEnvironment(loadConfig('rollback.config.json'), 'production'))).activeDeployment?.deploymentId).toBe(FAILED_ID);
    expect(lambdaMock.commandCalls(InvokeCommand).map((call) => ({ ...call.args[0].input, Payload: JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) }))).toEqual([
      {
        FunctionName: 'rollback-controller-orchestrator',
        InvocationType: 'Event',
        Payload: { action: 'deploy_failed', environment: 'production', deploymentId: FAILED_ID, requestedBy: 'codepipeline demo-shop-release/DeployProduction', requestId: `deploy-failed-${FAILED_EXECUTION}` },
      },
    ]);
  });

  it('asks nothing when the failed deploy left the known good live, and the failure does not become the active deployment', async () => {
    const { history, deps, stageEvent } = await setUp();
    serving('41', '16', '1.3.0');
    await recordPipelineEvent(stageEvent('STARTED'), deps);

    const result = await recordPipelineEvent(stageEvent('FAILED'), deps);

    expect(result).toMatchObject({ outcome: 'updated', status: 'failed' });
    expect(result).not.toHaveProperty('rollbackRequested');
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
    expect((await history.deployments.getDeployment(FAILED_ID))?.restorePoints).toEqual({ 'codepipeline-stage': { executionId: FAILED_EXECUTION } });
    expect((await history.deployments.findRollbackPair(findEnvironment(loadConfig('rollback.config.json'), 'production'))).activeDeployment?.deploymentId).toBe('good-130');
  });

  it('throws after recording when the orchestrator did not queue the request, so EventBridge delivers it again', async () => {
    const { history, deps, stageEvent } = await setUp();
    serving('43', '18', '1.3.0');
    lambdaMock.on(InvokeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    await recordPipelineEvent(stageEvent('STARTED'), deps);

    await expect(recordPipelineEvent(stageEvent('FAILED'), deps)).rejects.toThrow('Rate exceeded');
    expect(await history.deployments.getDeployment(FAILED_ID)).toMatchObject({ status: 'failed' });
  });
});

describe('the orchestrator, asked to roll back a failed deploy (DynamoDB Local + mocked AWS)', () => {
  const failedDeploy = {
    deploymentId: 'prod-150',
    environment: 'production',
    version: '1.5.0',
    status: 'failed' as const,
    at: '2026-11-23T09:00:00.000Z',
    restorePoints: points({ 'demo-shop-prod-api': '43', 'demo-shop-prod-worker': '18' }),
  };
  const request = (deploymentId: string, environment = 'production') => ({ action: 'deploy_failed', environment, deploymentId, requestedBy: 'codepipeline demo-shop-release/DeployProduction', requestId: `deploy-failed-${deploymentId}` });

  it('rolls that deployment back through the same claim and validation, recording why', async () => {
    const harness = await createOrchestratorHarness();
    await harness.history.deployments.recordDeployment({ ...failedDeploy, at: new Date(failedDeploy.at), source: 'codepipeline' });

    const result = await harness.run(request('prod-150'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'stage', deploymentId: 'prod-150', fromVersion: '1.5.0', toVersion: '1.4.0' });
    expect(await harness.record('prod-150')).toMatchObject({
      status: 'rolled_back',
      rollback: { trigger: { type: 'deploy_failure', requestedBy: 'codepipeline demo-shop-release/DeployProduction' }, targetDeploymentId: 'prod-140' },
    });
    expect(result.timeline[0]).toMatchObject({ step: 'claim', facts: { triggerType: 'deploy_failure', reason: 'deploy prod-150 failed after it moved traffic (reported by codepipeline demo-shop-release/DeployProduction)' } });
    expect(harness.validatorRequests()).toHaveLength(1);
  });

  it('says there is nothing to roll back when the failed deployment is not the live one', async () => {
    const harness = await createOrchestratorHarness();

    const result = await harness.run(request('prod-999'));

    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('deployment prod-999 is not the live one in production') });
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('ignores a failed deploy in an environment that does not roll them back', async () => {
    const harness = await createOrchestratorHarness();

    expect(await harness.run(request('stag-140', 'staging'))).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('"rollbackOnDeployFailure" is off') });
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('guards the alarms after it like any automatic rollback: the cooldown holds the next one back', async () => {
    const harness = await createOrchestratorHarness();
    await harness.history.deployments.recordDeployment({ ...failedDeploy, at: new Date(failedDeploy.at), source: 'codepipeline' });
    await harness.run(request('prod-150'));
    harness.clock.set('2026-11-23T10:18:00.000Z');
    const later = sampleEvent('alarm-production') as { id: string; detail: { state: { timestamp: string } } };
    later.id = 'alarm-after-the-rollback';
    later.detail.state.timestamp = '2026-11-23T10:17:30.000Z';

    const alarm = await harness.run(later);

    expect(alarm).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('cooldown after rolling back prod-150') });
    expect(harness.aliasUpdates()).toHaveLength(prodAliasRestore.length);
  });
});
