import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/rollbackctl';
import { JVM_STARTS_TIMEOUT_MS } from '../helpers/history-table';
import { temporaryFolder } from '../helpers/temporary-folder';

const execute = promisify(execFile);

/** rollbackctl in this process, as a terminal would run it (progress on stderr), in its own local home. */
async function cli(args: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const exitCode = await runCli(args, { out: (text) => out.push(text), err: (text) => err.push(text), progress: (text) => progress.push(text), env, cwd });
  return { exitCode, stdout: out.join('\n'), stderr: err.join('\n'), progress };
}

/** A process that runs until killed: a live holder of the local history's lock. */
async function liveProcess() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1_000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

describe('rollbackctl --local: one command at a time per local home', () => {
  it('refuses a second command while another holds the local history, naming its process, and changes nothing', async () => {
    const home = temporaryFolder('rollbackctl-busy');
    const holder = await liveProcess();
    try {
      writeFileSync(join(home, 'rollbackctl.lock'), JSON.stringify({ pid: holder.pid, command: 'rollbackctl drill --local', since: '2026-12-06T12:00:00.000Z' }));

      const second = await cli(['history', '--env', 'production', '--local'], { ROLLBACKCTL_HOME: home });

      expect(second.exitCode).toBe(1);
      expect(second.stderr).toContain(`the local history (${home}) is in use by another rollbackctl: pid ${holder.pid}, \`rollbackctl drill --local\`, since 2026-12-06T12:00:00.000Z. Wait for it to finish (or stop it), then run again.`);
      // Refused before DynamoDB Local started: no data folder was made.
      expect(existsSync(join(home, 'dynamodb'))).toBe(false);
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a process that is gone (killed mid-drill), and lets go of it when done', async () => {
    const home = temporaryFolder('rollbackctl-stale');
    const gone = await liveProcess();
    gone.kill('SIGKILL');
    await once(gone, 'exit');
    writeFileSync(join(home, 'rollbackctl.lock'), JSON.stringify({ pid: gone.pid, command: 'rollbackctl drill --local', since: '2026-12-06T12:00:00.000Z' }));

    const next = await cli(['history', '--env', 'production', '--local', '--json'], { ROLLBACKCTL_HOME: home });

    expect(next.exitCode).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ items: [] });
    expect(existsSync(join(home, 'rollbackctl.lock'))).toBe(false);
  }, JVM_STARTS_TIMEOUT_MS(1));
});

describe('rollbackctl --local on a terminal', () => {
  it('says which configuration it uses and that DynamoDB Local is starting, on stderr, before the wait', async () => {
    const home = temporaryFolder('rollbackctl-progress');
    const elsewhere = temporaryFolder('no-config-here');

    const demo = await cli(['drill', '--local'], { ROLLBACKCTL_HOME: home }, elsewhere);
    const found = await cli(['history', '--env', 'production', '--local'], { ROLLBACKCTL_HOME: home });

    expect(demo.exitCode).toBe(0);
    expect(demo.progress).toEqual([
      `rollbackctl: configuration the built-in demo (no rollback.config.json in ${elsewhere} or above; --config PATH to use one)`,
      `rollbackctl: starting DynamoDB Local (Java) for the local history in ${home}…`,
    ]);
    // The drill's own output says it too, for a log or a pipe.
    expect(demo.stdout).toContain(`  config:  the built-in demo (no rollback.config.json in ${elsewhere} or above; --config PATH to use one)`);
    expect(found.progress[0]).toBe(`rollbackctl: configuration ${join(process.cwd(), 'rollback.config.json')} (the nearest in this folder or above)`);
  }, JVM_STARTS_TIMEOUT_MS(2));

  it('prints nothing extra on stderr when stderr is not a terminal (scripts, JSON)', async () => {
    const home = temporaryFolder('rollbackctl-quiet');
    const out: string[] = [];
    const err: string[] = [];

    const exitCode = await runCli(['history', '--env', 'production', '--local', '--json'], { out: (text) => out.push(text), err: (text) => err.push(text), env: { ROLLBACKCTL_HOME: home }, cwd: process.cwd() });

    expect(exitCode).toBe(0);
    expect(err).toEqual([]);
  }, JVM_STARTS_TIMEOUT_MS(1));
});

describe('rollbackctl --local without Java', () => {
  it('says what to install and exits as soon as Java is found missing, not at the start deadline', async () => {
    const home = temporaryFolder('rollbackctl-no-java');
    // Only node on the PATH: no java.
    const bin = temporaryFolder('only-node');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(process.execPath, join(bin, 'node'));

    const failure = await execute(join(bin, 'node'), ['cli/bin.mjs', 'drill', '--local'], { env: { PATH: bin, ROLLBACKCTL_HOME: home } }).catch((error: { code: number; stderr: string }) => error);

    expect(failure).toMatchObject({ code: 1, stderr: expect.stringContaining('DynamoDB Local needs Java (17 or newer) and "java" is not on the PATH') });
    // It let go of the local history too: the next command is not told it is busy.
    expect(existsSync(join(home, 'rollbackctl.lock'))).toBe(false);
    // The start deadline is 120 s: this test's own limit (60 s) fails it if the command waits for it.
  }, 60_000);
});

describe('rollbackctl and AWS profiles', () => {
  it('names a --profile that is in neither AWS file, and the profiles that are, instead of "no region"', async () => {
    const home = temporaryFolder('aws-home');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), '[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-1\n');
    writeFileSync(join(home, '.aws', 'credentials'), '[ci]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n');

    const failure = await execute(process.execPath, ['cli/bin.mjs', 'status', '--profile', 'nosuch', '--table', 'history'], { env: { PATH: process.env.PATH, HOME: home } }).catch((error: { code: number; stderr: string }) => error);

    expect(failure).toMatchObject({ code: 1, stderr: 'rollbackctl: the AWS profile "nosuch" is not in your AWS config or credentials files (profiles there: ci, default, dev); check --profile or AWS_PROFILE\n' });
  });
});

describe('rollbackctl output as the AWS CLI shapes it: -o, --output text, --query, NDJSON while watching', () => {
  async function withRecords() {
    const { createTestHistory, localClientConfig } = await import('../helpers/history-table');
    const { tableName } = await createTestHistory();
    const where = ['--endpoint', localClientConfig().endpoint, '--table', tableName];
    for (const version of ['1.3.0', '1.4.0']) {
      expect((await cli(['record', ...where, '--env', 'production', '--version', version, '--status', 'succeeded', '--incomplete', '--id', `prod-${version}`, '--source', 'ci'], {})).exitCode).toBe(0);
    }
    return where;
  }

  it('prints history as tab-separated rows for --output text, and narrows JSON with --query (-o json the same as --json)', async () => {
    const where = await withRecords();

    const text = await cli(['history', ...where, '--env', 'production', '--output', 'text'], {});
    const queried = await cli(['history', ...where, '--env', 'production', '-o', 'json', '--query', 'items[].deploymentId'], {});
    const impliedJson = await cli(['history', ...where, '--env', 'production', '--query', 'items[0].version'], {});

    expect(text.exitCode).toBe(0);
    const rows = text.stdout.split('\n').map((row) => row.split('\t'));
    expect(rows.map((row) => [row[1], row[2], row[4], row[5]])).toEqual([['1.4.0', 'succeeded [live]', 'ci', 'prod-1.4.0'], ['1.3.0', 'succeeded', 'ci', 'prod-1.3.0']]);
    expect(rows.every((row) => row.length === 7)).toBe(true);
    expect(JSON.parse(queried.stdout)).toEqual(['prod-1.4.0', 'prod-1.3.0']);
    expect(JSON.parse(impliedJson.stdout)).toBe('1.4.0');
  });

  it('prints one JSON object per line while watching status as JSON (NDJSON), each refresh whole', async () => {
    const where = await withRecords();

    const watched = await cli(['status', ...where, '--env', 'production', '--watch', '1', '--times', '2', '--json'], {});

    expect(watched.exitCode).toBe(0);
    const lines = watched.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => JSON.parse(line) as { schemaVersion: number; environments: { environment: string }[] })).toEqual([
      expect.objectContaining({ schemaVersion: 1, environments: [expect.objectContaining({ environment: 'production' })] }),
      expect.objectContaining({ schemaVersion: 1, environments: [expect.objectContaining({ environment: 'production' })] }),
    ]);
  });

  it('refuses a --query JMESPath cannot parse, or one beside --output table, before reading anything (exit 2)', async () => {
    const broken = await cli(['history', '--env', 'production', '--table', 'history', '--query', 'items['], {});
    const beside = await cli(['history', '--env', 'production', '--table', 'history', '--query', 'items', '--output', 'table'], {});

    expect(broken).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^rollbackctl: invalid --query "items\[": /) });
    expect(beside).toMatchObject({ exitCode: 2, stderr: 'rollbackctl: --query narrows JSON: it cannot go with --output table' });
  });

  it('shows the options every command takes, and examples, in each command\'s help', async () => {
    const help = await cli(['history', '--help'], {});

    expect(help.stdout).toMatch(/^Global Options:$/m);
    for (const global of ['--local', '--table <name>', '--region <region>', '--profile <name>', '--config <path>', '-o, --output <format>', '--query <jmespath>']) expect(help.stdout).toContain(global);
    expect(help.stdout).toContain('Examples:\n  $ rollbackctl history --env production --local');
  });
});

describe('rollbackctl completion', () => {
  it('prints a bash script that completes commands, their options, the global ones and fixed values (checked by bash itself)', async () => {
    const script = await cli(['completion', 'bash'], {});
    const folder = temporaryFolder('completion');
    writeFileSync(join(folder, 'rollbackctl.bash'), script.stdout);
    const complete = async (...words: string[]) =>
      (await execute('bash', ['-c', `source rollbackctl.bash; COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rollbackctl; echo "\${COMPREPLY[@]}"`], { cwd: folder })).stdout.trim();

    expect(script.exitCode).toBe(0);
    expect(await complete('rollbackctl', 'dr')).toBe('drill');
    expect(await complete('rollbackctl', 'drill', '--scen')).toBe('--scenario');
    expect(await complete('rollbackctl', 'drill', '--scenario', 'still')).toBe('still-bad');
    expect(await complete('rollbackctl', 'history', '--lo')).toBe('--local');
    expect(await complete('rollbackctl', 'history', '-o', 'j')).toBe('json');
    expect((await cli(['completion', 'fish'], {})).exitCode).toBe(2);
    expect((await cli(['completion', 'zsh'], {})).stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n/);
  });
});
