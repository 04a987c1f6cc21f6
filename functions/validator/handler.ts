import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createPowertools } from '../../shared/powertools/powertools';
import { awsClientFactory } from '../../shared/targets/client-factory';
import type { TargetLocation } from '../../shared/targets/target-plugin';
import { awsTargetDrivers } from '../../shared/targets/target-drivers';
import { systemClock } from '../../shared/time/clock';
import { CloudWatchAlarmReader } from '../../shared/validation/checks/cloudwatch-alarm-reader';
import { CloudWatchMetricReader } from '../../shared/validation/checks/cloudwatch-metric-reader';
import { HttpHealthProbe } from '../../shared/validation/checks/http-health-probe';
import { answerValidationRequest } from '../../shared/validation/validate-rollback';

// Cold start: clients once per container; each target's SDK on its first check.
const { logger } = createPowertools('validator');
const cloudWatch = new CloudWatchClient({});
const clients = awsClientFactory();
// An environment in another account or region: its alarms and their data are read there, through its role (one client each, cached).
const cloudWatchFor = async (location: TargetLocation | undefined) => (location?.region || location?.roleArn ? clients.client(CloudWatchClient, location) : cloudWatch);
const ports = {
  alarms: new CloudWatchAlarmReader(cloudWatchFor),
  metrics: new CloudWatchMetricReader(cloudWatchFor),
  health: new HttpHealthProbe(),
  targets: awsTargetDrivers(clients),
};
const sleep = (milliseconds: number) => new Promise<void>((resume) => setTimeout(resume, milliseconds));

export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler(async (event: unknown, context: Context) => {
    const result = await answerValidationRequest(event, { ports, clock: systemClock, sleep, remainingTimeMs: () => context.getRemainingTimeInMillis() });
    logger.info('validation verdict', { verdict: result.verdict, decidedBy: result.decidedBy, rounds: result.rounds, durationMs: result.durationMs, reason: result.reason });
    return result;
  });
