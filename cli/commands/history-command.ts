import { findEnvironment } from '../../shared/config';
import { DEPLOYMENT_STATUSES } from '../../shared/history/deployment-record';
import { parseDuration } from '../../shared/time/duration';
import { parseChoice, UsageError } from '../cli-errors';
import type { CliContext } from '../cli-context';
import { formatTimestamp, renderHistory, renderHistoryText } from '../text-output';
import { describeAutomation } from './pause-command';
import { describeLive } from '../../shared/history/live-state';

export interface HistoryOptions {
  env: string;
  status?: string;
  since?: string;
  until?: string;
  limit: string;
  cursor?: string;
  json?: boolean;
  /** `--output text`: tab-separated rows. */
  text?: boolean;
}

export function parseLimit(input: string): number {
  const limit = Number(input);
  if (!/^\d+$/.test(input) || limit < 1 || limit > 100) throw new UsageError(`invalid --limit "${input}": use a whole number from 1 to 100`);
  return limit;
}

/** `--since 7d` (a duration back from now) or an ISO timestamp. */
export function parsePointInTime(flag: string, input: string, now: Date): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(input)) {
    const date = new Date(input);
    if (Number.isNaN(date.getTime())) throw new UsageError(`invalid ${flag} "${input}": not a date`);
    return date;
  }
  try {
    return new Date(now.getTime() - parseDuration(input));
  } catch (error) {
    throw new UsageError(`invalid ${flag}: ${(error as Error).message}, or an ISO date such as 2026-11-01T12:00:00Z`);
  }
}

export async function historyCommand(context: CliContext, options: HistoryOptions): Promise<void> {
  const config = context.loadConfig();
  const environmentConfig = findEnvironment(config, options.env);
  const environment = environmentConfig.name;
  const now = new Date();
  const query = {
    environment,
    limit: parseLimit(options.limit),
    status: options.status === undefined ? undefined : parseChoice('--status', options.status, DEPLOYMENT_STATUSES),
    since: options.since === undefined ? undefined : parsePointInTime('--since', options.since, now),
    until: options.until === undefined ? undefined : parsePointInTime('--until', options.until, now),
    cursor: options.cursor,
  };
  if (query.since && query.until && query.since > query.until) {
    throw new UsageError(`--since ${options.since} (${query.since.toISOString()}) is after --until ${options.until} (${query.until.toISOString()}): give the earlier point as --since`);
  }
  const [page, head] = await context.withHistory((connection) => Promise.all([connection.history.deployments.listHistory(query), connection.history.controls.readHead(environment)]));
  const control = head?.control ?? { environment, events: [] };
  const live = head?.live;
  if (options.json) {
    context.printAnswer({ ...page, ...(live ? { live } : {}), automation: { mode: environmentConfig.mode, ...(control.pause ? { pause: control.pause } : {}), events: control.events } });
    return;
  }
  if (options.text) {
    if (page.items.length > 0) context.io.out(renderHistoryText(page.items, live?.deploymentId));
    return;
  }
  // Only the first page says whether automation acts: a person paging back already knows.
  if (!options.cursor) {
    context.io.out(`automation: ${describeAutomation(control, environmentConfig.mode, now)}`);
    for (const event of control.events.slice(0, 3)) context.io.out(`  ${formatTimestamp(event.at)}  ${event.action} by ${event.by}${event.until ? ` until ${event.until}` : ''}${event.reason ? `: ${event.reason}` : ''}`);
    if (live || page.items.length > 0) context.io.out(`live: ${live ? describeLive(live) : 'not kept yet (recorded by the next deployment or rollback)'}`);
    context.io.out('');
  }
  if (page.items.length === 0) {
    context.io.out(`no deployments recorded for ${environment}${query.status ? ` with status ${query.status}` : ''}${options.since ? ` since ${options.since}` : ''}`);
    return;
  }
  context.io.out(renderHistory(page.items, live?.deploymentId, context.io.columns));
  if (page.nextCursor) context.io.out(`\nolder entries: add --cursor ${page.nextCursor}`);
}
