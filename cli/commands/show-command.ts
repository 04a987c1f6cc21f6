import { DeploymentNotFoundError } from '../../shared/history/history-errors';
import type { CliContext } from '../cli-context';
import { renderDeployment } from '../text-output';

export async function showCommand(context: CliContext, deploymentId: string, options: { json?: boolean }): Promise<void> {
  const record = await context.withHistory((connection) => connection.history.deployments.getDeployment(deploymentId));
  if (!record) throw new DeploymentNotFoundError(deploymentId);
  if (options.json) context.printAnswer(record);
  else context.io.out(renderDeployment(record));
}
