import { LambdaClient } from '@aws-sdk/client-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { CloudWatchAlarmActions } from '../../shared/aws/cloudwatch-alarm-actions';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { requireEnv } from '../../shared/aws/environment-variables';
import { loadOnce } from '../../shared/aws/load-once';
import { bundledConfig } from '../../shared/config/bundled-config';
import { dynamoHistory } from '../../shared/history/dynamo-history';
import { DeadLetterQueueNotifier, NotifierWithFallback } from '../../shared/notify/fallback-notifier';
import { SnsNotifier } from '../../shared/notify/sns-notifier';
import { dashboardNameFor } from '../../shared/powertools/metric-names';
import { createPowertools } from '../../shared/powertools/powertools';
import { runRollback, type RollbackDependencies } from '../../shared/rollback/rollback-runner';
import { measuredResults, metricsFor } from '../../shared/rollback/run-metrics';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { awsTargetDrivers } from '../../shared/targets/target-drivers';
import { systemClock } from '../../shared/time/clock';
import { LambdaValidatorClient } from '../../shared/validation/lambda-validator-client';

// Cold start: config and environment are checked once; clients are built once per container —
// each target's SDK, SNS, SQS and CloudWatch on first use, since nothing before the first restore needs them.
// Throttling is retried by the SDK with backoff (5 attempts) before a run hands over.
const { logger, metrics } = createPowertools('orchestrator');
const config = bundledConfig();
const lambda = new LambdaClient({ maxAttempts: 5 });
const dependencies: Omit<RollbackDependencies, 'remainingTimeMs'> = {
  config,
  history: dynamoHistory({ client: createDocumentClient({ maxAttempts: 5 }), tableName: requireEnv('HISTORY_TABLE_NAME'), clock: systemClock }),
  targets: awsTargetDrivers(awsClientFactory({ base: { maxAttempts: 5 } })),
  validator: new LambdaValidatorClient(lambda, requireEnv('VALIDATOR_FUNCTION_NAME')),
  notifier: new NotifierWithFallback(
    new SnsNotifier(loadOnce(async () => new (await import('@aws-sdk/client-sns')).SNSClient({ maxAttempts: 5 })), requireEnv('RESULT_TOPIC_ARN'), {
      // Lambda sets the region and the log group: every message links to the dashboard and the run's logs.
      links: { region: requireEnv('AWS_REGION'), dashboardName: dashboardNameFor(config.application), logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME },
      chatTopicArn: process.env.CHAT_TOPIC_ARN,
      onChatFailure: (error) => logger.error('the chat topic refused a notification (the results topic has it)', { error: error.message }),
    }),
    new DeadLetterQueueNotifier(loadOnce(async () => new (await import('@aws-sdk/client-sqs')).SQSClient({})), requireEnv('FAILED_EVENTS_QUEUE_URL')),
    (error) => logger.error('the results topic refused a notification; sending it to the failed-events queue', { error: error.message }),
  ),
  alarms: new CloudWatchAlarmActions(loadOnce(async () => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient({ maxAttempts: 3 }))),
  clock: systemClock,
  logger,
};

export const handler = middy()
  .use(injectLambdaContext(logger, { correlationIdPath: 'id || requestId' }))
  .use(logMetrics(metrics))
  .handler(async (event: unknown, context: Context) => {
    const result = await runRollback(event, context.awsRequestId, { ...dependencies, remainingTimeMs: () => context.getRemainingTimeInMillis() });
    for (const measured of measuredResults(result)) {
      for (const datum of metricsFor(measured)) {
        const single = metrics.singleMetric();
        single.addDimension('environment', measured.environment!);
        single.addMetric(datum.name, datum.unit, datum.value);
      }
    }
    logger.info('run finished', { outcome: result.outcome, rollbackLevel: result.level, environment: result.environment, durationMs: result.durationMs });
    return result;
  });
