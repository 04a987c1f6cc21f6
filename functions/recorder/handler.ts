import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { requireEnv } from '../../shared/aws/environment-variables';
import { bundledConfig } from '../../shared/config/bundled-config';
import { DynamoDeploymentHistory } from '../../shared/history/dynamo-deployment-history';
import { createPowertools } from '../../shared/powertools/powertools';
import { CodePipelineExecutionReader } from '../../shared/recording/pipeline-execution-reader';
import { recordPipelineEvent, type RecorderDependencies } from '../../shared/recording/record-pipeline-event';
import { systemClock } from '../../shared/time/clock';
import { LambdaAliasReader } from '../../shared/validation/checks/aws-check-adapters';

// Cold start: config and environment checked once; clients once per container.
const { logger } = createPowertools('recorder');
const dependencies: RecorderDependencies = {
  config: bundledConfig(),
  history: new DynamoDeploymentHistory({ client: createDocumentClient(), tableName: requireEnv('HISTORY_TABLE_NAME'), clock: systemClock }),
  executions: new CodePipelineExecutionReader(new CodePipelineClient({})),
  aliases: new LambdaAliasReader(new LambdaClient({})),
  logger,
};

export const handler = middy()
  .use(injectLambdaContext(logger, { correlationIdPath: 'id' }))
  .handler(async (event: unknown) => recordPipelineEvent(event, dependencies));
