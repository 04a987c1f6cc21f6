import { findEnvironment } from '../../shared/config';
import { rollbackEntriesOf } from '../../shared/history/environment-head';
import { judgeGate } from '../../shared/rollback/deployment-gate';
import { EXIT } from '../cli-errors';
import type { CliContext } from '../cli-context';

export interface GateOptions {
  env: string;
  json?: boolean;
}

/**
 * `rollbackctl gate --env production`: exit 0 when the next deployment may go ahead, exit 3 (with every
 * reason) while the environment is rolling back, in its cooldown, paused, or its last rollback failed.
 * Any other failure (no credentials, no table) is exit 1: a gate that cannot tell must not say "open".
 */
export async function gateCommand(context: CliContext, options: GateOptions): Promise<number> {
  const config = context.loadConfig();
  const environment = findEnvironment(config, options.env);
  const now = new Date();
  const since = new Date(now.getTime() - Math.max(config.policy.cooldownMinutes * 60_000, 3_600_000));
  const [pair, recentRollbacks, control] = await context.withHistory(({ history }) =>
    Promise.all([history.deployments.findRollbackPair(environment), history.deployments.listRollbacksSince(environment.name, since), history.controls.read(environment.name)]),
  );
  const answer = judgeGate({ environment, policy: config.policy, active: pair.activeDeployment, recentRollbacks: rollbackEntriesOf(recentRollbacks), control, now });
  if (options.json) context.printAnswer({ environment: environment.name, ...answer });
  else if (answer.open) context.io.out(`open: ${answer.reason}`);
  else context.io.out(`closed: ${answer.reasons.join('; ')}`);
  return answer.open ? EXIT.ok : EXIT.closed;
}
