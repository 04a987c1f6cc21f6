import { randomUUID } from 'node:crypto';
import { findEnvironment } from '../../shared/config';
import { invokeOrchestrator, resolveOrchestrator } from '../aws/orchestrator-invoker';
import { EXIT, UsageError } from '../cli-errors';
import type { CliContext } from '../cli-context';
import { defaultStackName, printRemoteResult, requester, type AwsTargetOptions } from './drill-command';

export interface RollbackOptions extends AwsTargetOptions {
  env: string;
  to?: string;
  reason: string;
  yes?: boolean;
  /** Past deployments recorded irreversible. */
  force?: boolean;
}

/** Exit code for a manual rollback's outcome: scripts need to know it did not happen. */
function exitCodeFor(outcome: string): number {
  if (outcome === 'rolled_back') return EXIT.ok;
  if (outcome === 'rejected') return EXIT.rejected;
  return EXIT.failed;
}

export async function rollbackCommand(context: CliContext, options: RollbackOptions): Promise<number> {
  const config = context.loadConfig();
  const environment = findEnvironment(config, options.env).name;
  if (options.reason.trim().length < 3) throw new UsageError('--reason must say why (at least 3 characters): it goes into the history and the notification');
  if (options.to !== undefined && options.to.trim() === '') throw new UsageError('--to must name a version');
  const target = options.to ? `version ${options.to}` : 'its last known-good version';
  if (!options.yes) {
    if (!context.io.confirm) throw new UsageError('refusing to roll back without confirmation: not an interactive terminal, so add --yes');
    const past = options.force ? ', past any deployment recorded irreversible (their changes stay)' : '';
    const confirmed = await context.io.confirm(`Roll ${environment} back to ${target}${past}? This changes live traffic. [y/N] `);
    if (!confirmed) {
      context.io.out('not rolled back: nothing was sent');
      return EXIT.ok;
    }
  }
  const functionName = await resolveOrchestrator({ functionName: options.function, stack: options.stack ?? defaultStackName(config.application), region: context.options.region }, context.io.env);
  const payload = {
    action: 'rollback',
    environment,
    ...(options.to ? { targetVersion: options.to } : {}),
    reason: options.reason,
    requestedBy: requester(options, context.io.env),
    requestId: `manual-${randomUUID()}`,
    ...(options.force ? { force: true } : {}),
  };
  if (!options.json) context.io.out(`rolling ${environment} back to ${target} through ${functionName}…`);
  const result = await invokeOrchestrator(functionName, payload, context.options.region);
  printRemoteResult(context, result, options.json);
  return exitCodeFor(result.outcome);
}
