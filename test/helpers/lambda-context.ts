import type { Context } from 'aws-lambda';

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
