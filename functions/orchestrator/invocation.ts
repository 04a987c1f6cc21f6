import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { CloudWatchAlarmActions } from '../../shared/aws/cloudwatch-alarm-actions';
import { requireEnv } from '../../shared/aws/environment-variables';
import { loadOnce } from '../../shared/aws/load-once';
import type { RollbackConfig } from '../../shared/config';
import { dynamoHistory } from '../../shared/history/dynamo-history';
import { DeadLetterQueueNotifier, NotifierWithFallback } from '../../shared/notify/fallback-notifier';
import { SnsNotifier } from '../../shared/notify/sns-notifier';
import { dashboardNameFor } from '../../shared/powertools/metric-names';
import { answerInvocation, type FunctionUrlResponse } from '../../shared/rollback/answer-invocation';
import type { RollbackDependencies } from '../../shared/rollback/rollback-runner';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { measuredResults, metricsFor } from '../../shared/rollback/run-metrics';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { awsTargetDrivers } from '../../shared/targets/target-drivers';
import { systemClock } from '../../shared/time/clock';
import { LambdaValidatorClient } from '../../shared/validation/lambda-validator-client';

export interface ContainerParts {
  config: RollbackConfig;
  logger: Logger;
  metrics: Metrics;
  /** Built at init, as the first read needs it. */
  historyClient: DynamoDBDocumentClient;
}

/**
 * The orchestrator past its cold start: loaded by the first invocation, while nothing has been read
 * yet, and kept for the container's life. The Lambda client loads alongside the first history
 * reads; SNS, SQS, CloudWatch and each target's SDK on first use.
 */
export function orchestratorFor(parts: ContainerParts): (event: unknown, context: Context) => Promise<RollbackRunResult | FunctionUrlResponse> {
  const { config, logger, metrics } = parts;
  const lambda = loadOnce(async () => new (await import('@aws-sdk/client-lambda')).LambdaClient({ maxAttempts: 5 }));
  void lambda().catch(() => undefined); // started now, in parallel with the reads; a failure surfaces on use
  // One client per class, region and role for the targets (and an environment elsewhere's alarm); the controller's own CloudWatch client once.
  const clients = awsClientFactory({ base: { maxAttempts: 5 } });
  const ownCloudWatch = loadOnce(async () => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient({ maxAttempts: 3 }));
  const dependencies: Omit<RollbackDependencies, 'remainingTimeMs'> = {
    config,
    history: dynamoHistory({ client: parts.historyClient, tableName: requireEnv('HISTORY_TABLE_NAME'), clock: systemClock }),
    targets: awsTargetDrivers(clients),
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
    // The alarm that fired, read where its environment lives (another account: through its role).
    alarms: new CloudWatchAlarmActions(async (location) => (location ? clients.client((await import('@aws-sdk/client-cloudwatch')).CloudWatchClient, location) : ownCloudWatch())),
    clock: systemClock,
    logger,
  };
  // Requests through the request URL: force only from the principals the config names; never from the controller's own roles.
  const rules = { forcePrincipals: config.policy.forcePrincipals, refusedRoles: (process.env.REFUSED_REQUESTER_ROLES ?? '').split(',').filter(Boolean) };
  return async (event, context) => {
    const { result, response } = await answerInvocation(event, context.awsRequestId, { ...dependencies, remainingTimeMs: () => context.getRemainingTimeInMillis() }, rules);
    for (const measured of measuredResults(result)) {
      for (const datum of metricsFor(measured)) {
        const single = metrics.singleMetric();
        single.addDimension('environment', measured.environment!);
        single.addMetric(datum.name, datum.unit, datum.value);
      }
    }
    logger.info('run finished', { outcome: result.outcome, rollbackLevel: result.level, environment: result.environment, durationMs: result.durationMs });
    return response ?? result;
  };
}
