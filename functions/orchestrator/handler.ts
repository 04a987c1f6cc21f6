import { LambdaClient } from '@aws-sdk/client-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { requireEnv } from '../../shared/aws/environment-variables';
import { loadOnce } from '../../shared/aws/load-once';
import { bundledConfig } from '../../shared/config/bundled-config';
import { DynamoHistoryStore } from '../../shared/history/dynamo-history-store';
import { SnsNotifier } from '../../shared/notify/sns-notifier';
import { createPowertools } from '../../shared/powertools/powertools';
import { runRollback, type RollbackDependencies } from '../../shared/rollback/rollback-runner';
import { metricsFor } from '../../shared/rollback/run-metrics';
import { CodePipelineStageTarget } from '../../shared/targets/codepipeline-stage-target';
import { LambdaAliasTarget } from '../../shared/targets/lambda-alias-target';
import { systemClock } from '../../shared/time/clock';
import { LambdaValidatorClient } from '../../shared/validation/lambda-validator-client';

// Cold start: config and environment are checked once; clients are built once per container —
// CodePipeline and SNS on first use, since nothing before the alias update needs them.
const { logger, metrics } = createPowertools('orchestrator');
const config = bundledConfig();
const lambda = new LambdaClient({});
const dependencies: Omit<RollbackDependencies, 'remainingTimeMs'> = {
  config,
  history: new DynamoHistoryStore({ client: createDocumentClient(), tableName: requireEnv('HISTORY_TABLE_NAME'), clock: systemClock }),
  targets: [
    new LambdaAliasTarget(lambda),
    new CodePipelineStageTarget(loadOnce(async () => new (await import('@aws-sdk/client-codepipeline')).CodePipelineClient({}))),
  ],
  validator: new LambdaValidatorClient(lambda, requireEnv('VALIDATOR_FUNCTION_NAME')),
  notifier: new SnsNotifier(loadOnce(async () => new (await import('@aws-sdk/client-sns')).SNSClient({})), requireEnv('RESULT_TOPIC_ARN')),
  clock: systemClock,
  logger,
};

export const handler = middy()
  .use(injectLambdaContext(logger, { correlationIdPath: 'id || requestId' }))
  .use(logMetrics(metrics))
  .handler(async (event: unknown, context: Context) => {
    const result = await runRollback(event, context.awsRequestId, { ...dependencies, remainingTimeMs: () => context.getRemainingTimeInMillis() });
    if (result.environment) metrics.addDimension('environment', result.environment);
    for (const datum of metricsFor(result)) metrics.addMetric(datum.name, datum.unit, datum.value);
    logger.info('run finished', { outcome: result.outcome, level: result.level, environment: result.environment, durationMs: result.durationMs });
    return result;
  });
