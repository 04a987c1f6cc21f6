import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DeployFailureRequest } from '../events/rollback-request';
import type { DeployFailureReporter } from './deploy-failure';

/** Invokes the orchestrator asynchronously (InvocationType Event): Lambda queues it, retries it, and its failures go to the orchestrator's failure destination. */
export class LambdaDeployFailureReporter implements DeployFailureReporter {
  constructor(
    private readonly lambda: () => Promise<LambdaClient>,
    private readonly orchestratorFunction: string,
  ) {}

  async report(request: DeployFailureRequest): Promise<void> {
    const [{ InvokeCommand }, lambda] = await Promise.all([import('@aws-sdk/client-lambda'), this.lambda()]);
    const result = await lambda.send(new InvokeCommand({ FunctionName: this.orchestratorFunction, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(request)) }));
    if (result.StatusCode !== 202) throw new Error(`the orchestrator ${this.orchestratorFunction} did not queue the rollback of ${request.deploymentId} (status ${result.StatusCode})`);
  }
}
