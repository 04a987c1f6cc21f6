import './quiet-node-warning'; // first: before any AWS SDK module loads
import { createInterface } from 'node:readline/promises';
import { runCli } from './rollbackctl';

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

const exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  ...(process.stdout.isTTY ? { liveWrite: (text: string) => void process.stdout.write(text), columns: process.stdout.columns } : {}),
  ...(process.stdin.isTTY ? { confirm } : {}),
  ...(process.stderr.isTTY ? { progress: (text: string) => void process.stderr.write(`${text}\n`) } : {}),
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = exitCode;
