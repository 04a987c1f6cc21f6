import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '../helpers/temporary-folder';

const execute = promisify(execFile);

/** The CDK app as `cdk synth -c config=PATH` runs it: the CLI hands context over in CDK_CONTEXT_JSON. */
async function runApp(context: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const outdir = temporaryFolder('cdk-out');
  return execute(process.execPath, ['--import', 'tsx', 'infra/app.ts'], { env: { ...process.env, ...env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) } }).then(
    (done) => ({ code: 0, ...done }),
    (failed: { code: number; stdout: string; stderr: string }) => failed,
  );
}

describe('the CDK app', () => {
  it('reads the configuration `cdk synth -c config=PATH` names, and a broken one is its problems once, no stack trace, exit 1', async () => {
    const folder = temporaryFolder('cdk-config');
    const broken = join(folder, 'broken.json');
    writeFileSync(broken, JSON.stringify({ application: 'Shop', environments: [] }));

    const result = await runApp({ config: broken }, { ROLLBACK_CONFIG: 'rollback.config.json' });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`rollback-controller: invalid configuration in ${broken}:\n  - application: must be lowercase letters, digits and - (at most 40)\n  - environments: needs at least one environment\n`);
  }, 120_000);
});
