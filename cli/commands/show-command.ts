import { ConfigError } from '../../shared/config';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { DeploymentNotFoundError } from '../../shared/history/history-errors';
import { describeCoverageGap, restorePointCoverage } from '../../shared/targets/target-registry';
import { isPrintable, UsageError } from '../cli-errors';
import type { CliContext } from '../cli-context';
import { LOCAL_DRILL_TABLE_NAME } from '../history-connection';
import { renderRunPicture } from '../run-picture';
import { renderDeployment } from '../text-output';

/** Longer than any id the recorder (pipeline/stage/execution, at most 238) or `record --id` (200) writes. */
const MAX_SHOWN_ID_LENGTH = 1024;

export async function showCommand(context: CliContext, deploymentId: string, options: { json?: boolean }): Promise<void> {
  if (deploymentId.trim() === '') throw new UsageError('give the id of a deployment to show (rollbackctl history --env <name> lists them)');
  if (deploymentId.length > MAX_SHOWN_ID_LENGTH || !isPrintable(deploymentId)) {
    throw new UsageError(`invalid deployment id${deploymentId.length > 80 ? ` (${deploymentId.length} characters)` : ` "${deploymentId}"`}: no recorded id is longer than ${MAX_SHOWN_ID_LENGTH} characters or holds control characters`);
  }
  const record = await context.withHistory(async (connection) => {
    const found = await connection.history.deployments.getDeployment(deploymentId);
    if (found || !context.options.local) return found;
    // The last local drill's records live in its own table (made afresh for each drill).
    return connection.historyOf(LOCAL_DRILL_TABLE_NAME).deployments.getDeployment(deploymentId).catch(() => undefined);
  });
  if (!record) throw new DeploymentNotFoundError(deploymentId);
  if (options.json) context.printAnswer(record);
  else {
    context.io.out(renderDeployment(record, restorability(context, record)));
    // The run on a time axis, within the terminal (80 columns when it is not one).
    const picture = renderRunPicture(record.timeline ?? [], context.io.columns ?? 80);
    if (picture.length > 0) context.io.out(['', 'the run on a time axis', ...picture].join('\n'));
  }
}

/** Whether automation could restore this deployment, against the configuration at hand (none: not said). */
function restorability(context: CliContext, record: DeploymentRecord): string | undefined {
  if (record.kind !== 'deployment' || record.status !== 'succeeded') return undefined;
  let targets;
  try {
    targets = context.loadConfig().environments.find((environment) => environment.name === record.environment)?.targets;
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
  if (!targets) return undefined;
  const gap = describeCoverageGap(restorePointCoverage(targets, record));
  return gap ? `no — automation never rolls back to it: ${gap}` : 'yes: a restore point for every configured target';
}
