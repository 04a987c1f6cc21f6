import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { findEnvironment } from '../../shared/config';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { invokeOrchestrator, resolveOrchestrator } from '../aws/orchestrator-invoker';
import { EXIT, UsageError } from '../cli-errors';
import type { CliContext } from '../cli-context';
import { DrillPrinter } from '../local-drill/drill-printer';
import { readEventFile, runLocalDrill } from '../local-drill/local-drill';
import { SCENARIOS, type ScenarioName } from '../local-drill/scenarios';

export interface AwsTargetOptions {
  function?: string;
  stack?: string;
  by?: string;
  json?: boolean;
}

export interface DrillOptions extends AwsTargetOptions {
  /** Validated by commander's choices before the action runs. */
  scenario: ScenarioName;
  event?: string;
  env?: string;
}

/** Who is asking: --by, else the login name, so history says who drilled or rolled back. */
export function requester(options: { by?: string }, env: NodeJS.ProcessEnv): string {
  return options.by ?? env.ROLLBACK_REQUESTED_BY ?? `${userInfo().username}@rollbackctl`;
}

export function defaultStackName(application: string): string {
  return `rollback-controller-${application}`;
}

/** Prints a deployed run's result the way the local drill prints its own. */
export function printRemoteResult(context: CliContext, result: RollbackRunResult, json: boolean | undefined): void {
  if (json) {
    context.printJson(result);
    return;
  }
  const printer = new DrillPrinter(context.io, false);
  for (const step of result.timeline) printer.step(step);
  printer.outcome(result, result.durationMs, result.durationMs);
}

export async function drillCommand(context: CliContext, options: DrillOptions): Promise<number> {
  const config = context.loadConfig();
  if (context.options.local) {
    if (options.env) throw new UsageError('--env is for drills against AWS; a local drill picks its environments from the scenario (or --event)');
    const event = options.event === undefined ? undefined : readEventFile(options.event, context.io.cwd);
    // A scenario the configuration cannot play is refused before DynamoDB Local starts.
    if (!event) SCENARIOS.get(options.scenario)?.deployBadReleaseTo(config);
    return context.withHistory((connection) => runLocalDrill(connection, config, { scenario: options.scenario, event, json: options.json }, context.io));
  }
  if (options.event) throw new UsageError('--event runs an event through the local orchestrator: add --local');
  if (!options.env) throw new UsageError('a drill against AWS needs --env ENVIRONMENT (or use --local for the local sandbox)');
  const environment = findEnvironment(config, options.env).name;
  const functionName = await resolveOrchestrator({ functionName: options.function, stack: options.stack ?? defaultStackName(config.application), region: context.options.region }, context.io.env);
  const payload = { action: 'drill', environment, requestedBy: requester(options, context.io.env), requestId: `drill-${randomUUID()}` };
  if (!options.json) context.io.out(`drilling ${environment} through ${functionName} (reads for real, changes nothing)…`);
  const result = await invokeOrchestrator(functionName, payload, context.options.region);
  printRemoteResult(context, result, options.json);
  return EXIT.ok;
}
