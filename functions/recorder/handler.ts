import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { requireEnv } from '../../shared/aws/environment-variables';
import { bundledConfig } from '../../shared/config/bundled-config';
import { DynamoDeploymentHistory } from '../../shared/history/dynamo-deployment-history';
import { createPowertools } from '../../shared/powertools/powertools';
import { CodePipelineExecutionReader } from '../../shared/recording/pipeline-execution-reader';
import { recordPipelineEvent, type RecorderDependencies } from '../../shared/recording/record-pipeline-event';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { awsTargetDrivers } from '../../shared/targets/target-drivers';
import { systemClock } from '../../shared/time/clock';

// Cold start: config and environment checked once; clients once per container, each target's on first use.
const { logger } = createPowertools('recorder');
const dependencies: RecorderDependencies = {
  config: bundledConfig(),
  history: new DynamoDeploymentHistory({ client: createDocumentClient(), tableName: requireEnv('HISTORY_TABLE_NAME'), clock: systemClock }),
  executions: new CodePipelineExecutionReader(new CodePipelineClient({})),
  targets: awsTargetDrivers(awsClientFactory()),
  logger,
};

export const handler = middy()
  .use(injectLambdaContext(logger, { correlationIdPath: 'id' }))
  .handler(async (event: unknown) => recordPipelineEvent(event, dependencies));
