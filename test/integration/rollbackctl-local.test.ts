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
