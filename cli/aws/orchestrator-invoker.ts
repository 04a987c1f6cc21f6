import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { UsageError } from '../cli-errors';

/** The stack output that names the deployed orchestrator (the CDK app exports it). */
export const ORCHESTRATOR_OUTPUT = 'OrchestratorFunctionName';

export interface OrchestratorLocation {
  functionName?: string;
  stack: string;
  region?: string;
}

export class OrchestratorInvocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrchestratorInvocationError';
  }
}

/** --function, else ROLLBACK_ORCHESTRATOR, else the stack's output; a missing stack says which and where. */
export async function resolveOrchestrator(location: OrchestratorLocation, env: NodeJS.ProcessEnv): Promise<string> {
  const named = location.functionName ?? env.ROLLBACK_ORCHESTRATOR;
  if (named) return named;
  const cloudFormation = new CloudFormationClient(location.region ? { region: location.region } : {});
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: location.stack }));
    const output = Stacks?.[0]?.Outputs?.find((candidate) => candidate.OutputKey === ORCHESTRATOR_OUTPUT)?.OutputValue;
    if (!output) throw new UsageError(`stack ${location.stack} has no ${ORCHESTRATOR_OUTPUT} output: deploy the current stack, or pass --function`);
    return output;
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      throw new UsageError(`stack ${location.stack} not found${location.region ? ` in ${location.region}` : ''}: deploy it (npx cdk deploy), pass --stack NAME, or pass --function NAME`);
    }
    throw error;
  } finally {
    cloudFormation.destroy();
  }
}

/** Invokes the deployed orchestrator and waits for its typed result. */
export async function invokeOrchestrator(functionName: string, payload: Record<string, unknown>, region?: string): Promise<RollbackRunResult> {
  // The orchestrator may validate for minutes: wait as long as it may run.
  const lambda = new LambdaClient({ ...(region ? { region } : {}), requestHandler: { requestTimeout: 16 * 60_000 } });
  try {
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
    );
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    if (response.FunctionError) throw new OrchestratorInvocationError(`orchestrator ${functionName} failed (${response.FunctionError}): ${text}`);
    const result = JSON.parse(text) as RollbackRunResult;
    if (typeof result?.outcome !== 'string') throw new OrchestratorInvocationError(`orchestrator ${functionName} returned an unexpected answer: ${text.slice(0, 300)}`);
    return result;
  } finally {
    lambda.destroy();
  }
}
