import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { findEnvironment } from '../../shared/config';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { invokeUntilAnswered } from '../aws/orchestrator-invoker';
import { postRequest, resolveRequestUrl } from '../aws/request-url';
import { followRun } from '../aws/remote-run';
import { EXIT, isPrintable, parsePrintable, UsageError } from '../cli-errors';
import type { CliContext } from '../cli-context';
import { LOCAL_DRILL_TABLE_NAME } from '../history-connection';
import { DrillPrinter } from '../local-drill/drill-printer';
import { readEventFile, runLocalDrill } from '../local-drill/local-drill';
import { SCENARIOS, type ScenarioName } from '../local-drill/scenarios';

export interface AwsTargetOptions {
  /** The request URL (default: $ROLLBACK_REQUEST_URL or the stack output RequestUrl). */
  url?: string;
  stack?: string;
  by?: string;
  json?: boolean;
}

export interface DrillOptions extends AwsTargetOptions {
  /** Validated by commander's choices before the action runs. */
  scenario: ScenarioName;
  event?: string;
  env?: string;
  /** With --event: deliver it exactly as saved (a second run is a retry of the first). */
  exact?: boolean;
  /** --scenario was given on the command line (it has a default). */
  scenarioGiven?: boolean;
}

/** Who is asking: --by, else the login name, so history says who drilled or rolled back. */
/**
 * Who is acting: `--by`, else `$ROLLBACK_REQUESTED_BY` (an empty one is unset, as shells mean it),
 * else the login. A `--by` that names nobody (blank, control characters, longer than 200) is refused.
 */
export function requester(options: { by?: string }, env: NodeJS.ProcessEnv): string {
  if (options.by !== undefined) return parsePrintable('--by', options.by, 200, 'name who is acting');
  const fromEnvironment = env.ROLLBACK_REQUESTED_BY?.trim();
  if (fromEnvironment && fromEnvironment.length <= 200 && isPrintable(fromEnvironment)) return fromEnvironment;
  return `${userInfo().username}@rollbackctl`;
}

export function defaultStackName(application: string): string {
  return `rollback-controller-${application}`;
}

/** Exit code for a remote run's outcome: 0 only when it rolled back (or, for a drill, would have). */
export function exitCodeFor(outcome: string): number {
  if (outcome === 'rolled_back') return EXIT.ok;
  if (outcome === 'rejected') return EXIT.rejected;
  return EXIT.failed;
}

/**
 * Invokes the deployed orchestrator and prints its run the way the local drill prints its own. With
 * the history table known (--table, ROLLBACK_TABLE), each step shows as it is journaled; the verdict
 * is the last line.
 */
export async function runRemotely(
  context: CliContext,
  call: { url: string; payload: Record<string, unknown> & { requestId: string }; deploymentId?: string; json?: boolean },
): Promise<RollbackRunResult> {
  let toldWaiting = false;
  const region = context.options.region ?? context.io.env.AWS_REGION;
  const invocation = invokeUntilAnswered(() => postRequest(call.url, call.payload, region ? { region } : {}), {
    onWaiting: (result) => {
      if (!toldWaiting && !call.json) context.io.err(`rollbackctl: request ${call.payload.requestId} is running under another invocation (it was delivered twice): following it — ${result.reason ?? ''}`);
      toldWaiting = true;
    },
  });
  if (call.json) {
    const result = await invocation;
    // One shape per command: a drill prints { schemaVersion, runs } (local scenarios may have several runs).
    context.printAnswer(call.payload.action === 'drill' ? { runs: [result] } : result);
    return result;
  }
  const printer = new DrillPrinter(context.io, false);
  const tableKnown = context.knowsTable();
  let shown = 0;
  let result: RollbackRunResult;
  if (tableKnown && call.deploymentId) {
    ({ result, shown } = await context.withHistory(({ history }) =>
      followRun(invocation, { history, deploymentId: call.deploymentId!, runId: call.payload.requestId }, (step) => printer.step(step)),
    ));
  } else {
    result = await invocation;
  }
  for (const step of result.timeline.slice(shown)) printer.step(step);
  printer.outcome(result, result.durationMs, result.durationMs);
  return result;
}

export async function drillCommand(context: CliContext, options: DrillOptions): Promise<number> {
  const config = context.loadConfig();
  if (context.options.local) {
    if (options.event && options.scenarioGiven) throw new UsageError('--scenario and --event each choose what the local drill runs: give one of them');
    if (options.env) throw new UsageError('--env is for drills against AWS; a local drill picks its environments from the scenario (or --event)');
    const event = options.event === undefined ? undefined : readEventFile(options.event, context.io.cwd);
    // A scenario the configuration cannot play is refused before DynamoDB Local starts.
    if (!event) SCENARIOS.get(options.scenario)?.deployBadReleaseTo(config);
    if (options.exact && !event) throw new UsageError('--exact is for --event: it delivers the saved event exactly as it is');
    return context.withHistory((connection) => runLocalDrill(connection, config, { scenario: options.scenario, event, exact: options.exact, json: options.json, configInUse: context.configInUse }, context.io), { table: LOCAL_DRILL_TABLE_NAME });
  }
  if (options.event) throw new UsageError('--event runs an event through the local orchestrator: add --local');
  if (!options.env) throw new UsageError('a drill against AWS needs --env ENVIRONMENT (or use --local for the local sandbox)');
  const environment = findEnvironment(config, options.env).name;
  const url = await resolveRequestUrl({ url: options.url, stack: options.stack ?? defaultStackName(config.application), region: context.options.region }, context.io.env);
  const payload = { action: 'drill', environment, requestedBy: requester(options, context.io.env), requestId: `drill-${randomUUID()}` };
  if (!options.json) context.io.out(`drilling ${environment} through ${new URL(url).host} (reads for real, changes nothing)…`);
  // A drill journals on its own record: drill-<environment>-<requestId>.
  const result = await runRemotely(context, { url, payload, deploymentId: `drill-${environment}-${payload.requestId}`, json: options.json });
  // Exit 0 only when the rehearsed rollback would have worked: a drill that finds a problem fails the job that ran it.
  return exitCodeFor(result.outcome);
}
