import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { createPowertools } from '../../shared/powertools/powertools';
import { fakeContext } from '../helpers/lambda-context';

describe('the functions’ logger', () => {
  it.each([
    ['an alarm event', { id: 'event-1', source: 'aws.cloudwatch' }, 'event-1'],
    ['a person’s request without an event id', { action: 'rollback', requestId: 'manual-7' }, 'manual-7'],
  ])('takes the correlation id of %s from correlationIdPath', async (_, event, expected) => {
    const { logger } = createPowertools('orchestrator');
    let seen: unknown;
    const handler = middy()
      .use(injectLambdaContext(logger, { correlationIdPath: 'id || requestId' }))
      .handler(async () => {
        seen = logger.getCorrelationId();
      });

    await handler(event, fakeContext());

    expect(seen).toBe(expected);
  });
});
