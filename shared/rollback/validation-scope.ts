import type { EnvironmentConfig, RollbackPolicy } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { ValidationRequest } from '../validation/validation-contract';

/** One environment a level rolls back: what it runs now, and what it goes back to. */
export interface ScopeEntry {
  environment: EnvironmentConfig;
  from: DeploymentRecord;
  to: DeploymentRecord;
  pipelineExecutionId?: string;
}

/** Time kept back from validation for completing the record and notifying. */
export const COMPLETION_RESERVE_MS = 15_000;

/**
 * The validation budget: the configured timeout, but never more than a fair share of what is left
 * of the Lambda's time, so the run can always record and announce its outcome. Pure.
 */
export function validationBudgetMs(policy: RollbackPolicy, remainingMs: number, validationsLeft: number): number {
  const fairShare = Math.floor((remainingMs - COMPLETION_RESERVE_MS) / validationsLeft);
  return Math.min(policy.validation.timeoutSeconds * 1_000, fairShare);
}

/** What the validator must see for these environments to count as restored. Pure. */
export function validationRequestFor(scope: readonly ScopeEntry[], policy: RollbackPolicy, budgetMs: number, drill: boolean): ValidationRequest {
  return {
    environments: scope.map(({ environment, to, pipelineExecutionId }) => ({
      name: environment.name,
      alarmPrefixes: environment.alarms.prefixes,
      healthChecks: environment.healthChecks.map((check) => ({
        url: check.url,
        timeoutMs: check.timeoutMs,
        ...(check.versionField ? { versionField: check.versionField, expectedVersion: to.version } : {}),
      })),
      ...(environment.lambda && to.lambdaVersions
        ? {
            lambda: {
              alias: environment.lambda.alias,
              expectedVersions: Object.fromEntries(
                environment.lambda.functions.filter((name) => to.lambdaVersions?.[name]).map((name) => [name, to.lambdaVersions![name]!]),
              ),
            },
          }
        : {}),
      ...(environment.pipeline
        ? { pipeline: { name: environment.pipeline.name, stage: environment.pipeline.stage, ...(pipelineExecutionId ? { expectedExecutionId: pipelineExecutionId } : {}) } }
        : {}),
    })),
    budgetMs,
    pollIntervalMs: policy.validation.pollIntervalSeconds * 1_000,
    consecutivePasses: policy.validation.consecutivePasses,
    drill,
  };
}
