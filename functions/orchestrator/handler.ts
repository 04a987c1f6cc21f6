import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { loadOnce } from '../../shared/aws/load-once';
import { bundledConfig } from '../../shared/config/bundled-config';
import { createPowertools } from '../../shared/powertools/powertools';

// Alarms are rare, so this init is on the path of nearly every real rollback: it holds only what the
// first history read cannot do without (middy, the logger, the DynamoDB document client, the config
// validated at build time). The engine loads on the first event; throttling is retried by the SDK
// with backoff (5 attempts) before a run hands over.
const { logger, metrics } = createPowertools('orchestrator');
const parts = { config: bundledConfig(), logger, metrics, historyClient: createDocumentClient({ maxAttempts: 5 }) };
const orchestrator = loadOnce(async () => (await import('./invocation')).orchestratorFor(parts));

export const handler = middy()
  .use(injectLambdaContext(logger, { correlationIdPath: 'id || requestId || requestContext.requestId' }))
  .use(logMetrics(metrics))
  .handler(async (event: unknown, context: Context) => (await orchestrator())(event, context));
