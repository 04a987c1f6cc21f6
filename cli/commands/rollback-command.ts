import { callerIdentity } from '../aws/caller-identity';
import { randomUUID } from 'node:crypto';
import { findEnvironment } from '../../shared/config';
import { resolveRequestUrl } from '../aws/request-url';
import { EXIT, UsageError } from '../cli-errors';
import type { CliContext } from '../cli-context';
import { defaultStackName, exitCodeFor, requester, runRemotely, type AwsTargetOptions } from './drill-command';

export interface RollbackOptions extends AwsTargetOptions {
  env: string;
  to?: string;
  reason: string;
  yes?: boolean;
  /** Past deployments recorded irreversible. */
  force?: boolean;
}

/** Where the rollback will act, resolved before anyone is asked: the account and region of the credentials in use. */
async function whereItActs(region: string | undefined): Promise<{ account: string; region: string }> {
  const identity = await callerIdentity(region);
  return { account: identity.account ?? '?', region: identity.region ?? '?' };
}

export async function rollbackCommand(context: CliContext, options: RollbackOptions): Promise<number> {
  if (context.options.local) throw new UsageError('rollback acts through the deployed orchestrator, and --local has none: rehearse it with rollbackctl drill --local');
  const config = context.loadConfig();
  const environmentConfig = findEnvironment(config, options.env);
  const environment = environmentConfig.name;
  if (options.reason.trim().length < 3) throw new UsageError('--reason must say why (at least 3 characters): it goes into the history and the notification');
  if (options.to !== undefined && options.to.trim() === '') throw new UsageError('--to must name a version');
  if (!options.yes && !context.io.confirm) throw new UsageError('refusing to roll back without confirmation: not an interactive terminal, so add --yes');
  // Everything is resolved first (function, account, region, versions); only then is a person asked.
  const url = await resolveRequestUrl({ url: options.url, stack: options.stack ?? defaultStackName(config.application), region: context.options.region }, context.io.env);
  const through = new URL(url).host;
  const where = await whereItActs(context.options.region);
  const tableKnown = context.knowsTable();
  const pair = tableKnown ? await context.withHistory(({ history }) => history.deployments.findRollbackPair(environmentConfig, { targetVersion: options.to })) : undefined;
  const to = options.to ? pair?.requestedTarget : pair?.lastKnownGood;
  const from = pair?.activeDeployment;
  const versions = pair
    ? `from ${from ? `${from.version} (${from.deploymentId})` : 'nothing active'} to ${to ? `${to.version} (${to.deploymentId})` : options.to ? `${options.to} (not in the history)` : 'no known-good version'}`
    : `to ${options.to ? `version ${options.to}` : 'its last known-good version'} (pass --table or set ROLLBACK_TABLE to see the versions)`;
  if (!options.yes) {
    const past = options.force ? ', past any deployment recorded irreversible (their changes stay)' : '';
    const confirmed = await context.io.confirm!(`Roll ${environment} back ${versions}${past} in account ${where.account}, ${where.region}, through ${through}? This changes live traffic. [y/N] `);
    if (!confirmed) {
      context.io.out('not rolled back: nothing was sent');
      return EXIT.ok;
    }
  }
  const payload = {
    action: 'rollback',
    environment,
    ...(options.to ? { targetVersion: options.to } : {}),
    reason: options.reason,
    requestedBy: requester(options, context.io.env),
    requestId: `manual-${randomUUID()}`,
    ...(options.force ? { force: true } : {}),
  };
  if (!options.json) context.io.out(`rolling ${environment} back ${versions} through ${through} (${where.account}, ${where.region})…`);
  const result = await runRemotely(context, { url, payload, ...(from ? { deploymentId: from.deploymentId } : {}), json: options.json });
  return exitCodeFor(result.outcome);
}
