import { runCli } from '../../cli/rollbackctl';

/** Runs rollbackctl in-process against the given table, capturing what a person would see. */
export async function rollbackctl(args: readonly string[], target: { endpoint: string; tableName: string }) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exitCode = await runCli([...args, '--endpoint', target.endpoint, '--table', target.tableName], {
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    env: {},
    cwd: process.cwd(),
  });
  return { exitCode, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
