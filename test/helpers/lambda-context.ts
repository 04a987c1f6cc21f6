import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { loadConfig, type RollbackConfig } from '../../shared/config';
import { localClientConfig } from './history-table';

/** A Lambda Context for invoking handlers in tests, with a controllable time budget. */
export function fakeContext(options: { functionName?: string; awsRequestId?: string; remainingMs?: number } = {}): Context {
  const deadline = Date.now() + (options.remainingMs ?? 900_000);
  const functionName = options.functionName ?? 'rollback-controller-orchestrator';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: options.awsRequestId ?? 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/23/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * What the stack gives a function, for importing a handler in a test: the bundled configuration
 * (a global, as esbuild's define makes it), its table on DynamoDB Local, a region and dummy
 * credentials, silent Powertools. Undo with vi.unstubAllEnvs() and vi.unstubAllGlobals().
 */
export function stubFunctionEnvironment(variables: Record<string, string>, config: RollbackConfig = loadConfig('rollback.config.json')): void {
  // As the CDK app bundles it: validated, defaults applied, through JSON.
  vi.stubGlobal('ROLLBACK_CONFIG', JSON.parse(JSON.stringify(config)));
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', localClientConfig().endpoint);
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
}
