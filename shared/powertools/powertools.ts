import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One namespace for every metric the controller emits (the dashboard and self-alarms read it). */
export const METRICS_NAMESPACE = 'RollbackController';

/** Logger and metrics for one function, set up once per container. */
export function createPowertools(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}
