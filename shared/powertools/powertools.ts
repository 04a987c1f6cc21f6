import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One namespace for every metric the controller emits (the dashboard and self-alarms read it). */
export const METRICS_NAMESPACE = 'RollbackController';

/** Logger and metrics for one function, set up once per container. */
export function createPowertools(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    // The search function makes `correlationIdPath` work (without it Powertools only warns).
    logger: new Logger({ serviceName, correlationIdSearchFn: search }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}
