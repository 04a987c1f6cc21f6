import { existsSync, rmSync } from 'node:fs';
import type { CliContext } from '../cli-context';
import { localStateDirectory } from '../history-connection';

/** `rollbackctl local reset`: forget the local history (DynamoDB Local's data), to start a drill from the demo again. */
export async function localResetCommand(context: CliContext): Promise<void> {
  const folder = localStateDirectory(context.io.env);
  if (!existsSync(folder)) {
    context.io.out(`nothing to reset: ${folder} does not exist`);
    return;
  }
  rmSync(folder, { recursive: true, force: true });
  context.io.out(`removed ${folder}: the next --local command starts from the demo history`);
}

/** `rollbackctl local path`: where --local keeps its state. */
export async function localPathCommand(context: CliContext): Promise<void> {
  context.io.out(localStateDirectory(context.io.env));
}
