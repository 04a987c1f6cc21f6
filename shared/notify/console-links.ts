/** Where a notification's reader goes next: the controller's dashboard and the run's own log lines. */
export interface ConsoleLinks {
  dashboard: string;
  logs?: string;
}

/** What the links are built from; the orchestrator knows it from its configuration and Lambda's environment. */
export interface ConsoleLinkContext {
  region: string;
  dashboardName: string;
  /** The orchestrator's log group (Lambda sets AWS_LAMBDA_LOG_GROUP_NAME). */
  logGroupName?: string;
}

/**
 * The CloudWatch console's fragment encoding: URI-encode, then write each "%" as "$25" (the console
 * reads its fragment through a second decoding). "/aws/lambda/x" becomes "$252Faws$252Flambda$252Fx".
 */
export function consoleFragment(text: string): string {
  return encodeURIComponent(text).replace(/%/g, '$25');
}

/** Links to the dashboard, and to every log line of the run (across the invocations that drove it) by its run id. Pure. */
export function consoleLinks(context: ConsoleLinkContext, runId?: string): ConsoleLinks {
  const base = `https://${context.region}.console.aws.amazon.com/cloudwatch/home?region=${context.region}`;
  const dashboard = `${base}#dashboards/dashboard/${encodeURIComponent(context.dashboardName)}`;
  if (!context.logGroupName || !runId) return { dashboard };
  // The console's own query syntax: "?" and "=" encoded as $3F and $3D, the pattern quoted so it matches the id as one term.
  const logs = `${base}#logsV2:log-groups/log-group/${consoleFragment(context.logGroupName)}/log-events$3FfilterPattern$3D${consoleFragment(`"${runId}"`)}`;
  return { dashboard, logs };
}
