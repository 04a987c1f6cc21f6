import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { requireEnv } from '../../shared/aws/environment-variables';
import { loadOnce } from '../../shared/aws/load-once';
import { bundledConfig } from '../../shared/config/bundled-config';
import { DynamoDeploymentHistory } from '../../shared/history/dynamo-deployment-history';
import { createPowertools } from '../../shared/powertools/powertools';
import { CodePipelineExecutionReader } from '../../shared/recording/pipeline-execution-reader';
import { LambdaDeployFailureReporter } from '../../shared/recording/lambda-deploy-failure-reporter';
import { recordPipelineEvent, type RecorderDependencies } from '../../shared/recording/record-pipeline-event';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { awsTargetDrivers } from '../../shared/targets/target-drivers';
import { systemClock } from '../../shared/time/clock';

// Cold start: config and environment checked once; clients once per container, each target's on first use.
const { logger } = createPowertools('recorder');
const config = bundledConfig();
// Only where failed deploys roll back does the recorder ever call the orchestrator.
const rollsBackFailedDeploys = config.environments.some((environment) => environment.rollbackOnDeployFailure);
const dependencies: RecorderDependencies = {
  config,
  history: new DynamoDeploymentHistory({ client: createDocumentClient(), tableName: requireEnv('HISTORY_TABLE_NAME'), clock: systemClock }),
  executions: new CodePipelineExecutionReader(new CodePipelineClient({})),
  targets: awsTargetDrivers(awsClientFactory()),
  ...(rollsBackFailedDeploys
    ? { deployFailures: new LambdaDeployFailureReporter(loadOnce(async () => new (await import('@aws-sdk/client-lambda')).LambdaClient({ maxAttempts: 5 })), requireEnv('ORCHESTRATOR_FUNCTION_NAME')) }
    : {}),
  logger,
};

export const handler = middy()
  .use(injectLambdaContext(logger, { correlationIdPath: 'id' }))
  .handler(async (event: unknown) => recordPipelineEvent(event, dependencies));
