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
    if (response.FunctionError) throw new OrchestratorInvocationError(`orchestrator ${functionName} failed (${response.FunctionError}): ${text.slice(0, 300)}`);
    let result: RollbackRunResult;
    try {
      result = JSON.parse(text) as RollbackRunResult;
    } catch {
      throw new OrchestratorInvocationError(`orchestrator ${functionName} answered with something that is not JSON: ${text.slice(0, 300)}`);
    }
    if (typeof result?.outcome !== 'string') throw new OrchestratorInvocationError(`orchestrator ${functionName} returned an unexpected answer: ${text.slice(0, 300)}`);
    return result;
  } finally {
    lambda.destroy();
  }
}

/** How often a request found in flight under another invocation is asked again, and for how long at most (the orchestrator's 15 minutes and a margin). */
export const IN_FLIGHT_POLL_MS = 5_000;
const IN_FLIGHT_DEADLINE_MS = 17 * 60_000;

/**
 * Invokes the orchestrator, and while the answer says this very request is being driven by another
 * invocation (the SDK sent it twice after a dropped connection), asks again with the same request
 * id until it answers with its outcome: a person hears how their rollback ended, never `duplicate`.
 */
export async function invokeUntilAnswered(
  invoke: () => Promise<RollbackRunResult>,
  options: { intervalMs?: number; deadlineMs?: number; onWaiting?: (result: RollbackRunResult) => void } = {},
): Promise<RollbackRunResult> {
  const deadline = Date.now() + (options.deadlineMs ?? IN_FLIGHT_DEADLINE_MS);
  let result = await invoke();
  while (result.inFlight && Date.now() < deadline) {
    options.onWaiting?.(result);
    await new Promise((resume) => setTimeout(resume, options.intervalMs ?? IN_FLIGHT_POLL_MS));
    result = await invoke();
  }
  return result;
}
