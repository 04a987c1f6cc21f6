import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { environmentStatus, renderStatus } from '../../cli/commands/status-command';
import { findEnvironment, loadConfig } from '../../shared/config';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import type { HistoryPage } from '../../shared/history/deployment-history';
import type { JournalStep } from '../../shared/history/run-journal';
import { rollbackctl } from '../helpers/cli-runner';
import { createTestHistory, JVM_STARTS_TIMEOUT_MS, localClientConfig } from '../helpers/history-table';
import { temporaryFolder } from '../helpers/temporary-folder';

async function cliTarget() {
  const history = await createTestHistory();
  const target = { endpoint: localClientConfig().endpoint, tableName: history.tableName };
  const cli = (...args: string[]) => rollbackctl(args, target);
  const isEmpty = async () => (await history.deployments.listHistory({ environment: 'production', limit: 1 })).items.length === 0;
  return { history, cli, isEmpty };
}

/** A restore point for every target production restores (its alias's two functions, the pipeline stage, the frontend release). */
const productionPoints = (api: number, worker: number, version: string) => [
  '--lambda', `demo-shop-prod-api=${api}`, '--lambda', `demo-shop-prod-worker=${worker}`, '--pipeline-execution', `exec-${version}`, '--release', version,
];

/** A cursor as the tool writes one, holding whatever a test gives. */
const cursorOf = (content: unknown) => Buffer.from(JSON.stringify(content)).toString('base64url');

describe('rollbackctl pause and resume', () => {
  it('pauses automation for a while with who and why, shows it in the history, and resumes it', async () => {
    const { cli, history } = await cliTarget();

    const paused = await cli('pause', '--env', 'production', '--for', '2h', '--reason', 'incident 42', '--by', 'ana');
    const shown = await cli('history', '--env', 'production');
    const resumed = await cli('resume', '--env', 'production', '--by', 'ben', '--reason', 'incident closed');
    const json = JSON.parse((await cli('history', '--env', 'production', '--json')).stdout) as { automation: { mode: string; pause?: unknown; events: { action: string; by: string }[] } };

    expect(paused.exitCode).toBe(0);
    expect(paused.stdout).toMatch(/^paused automation in production until \S+ \(by ana: incident 42\); alarms are announced, not acted on\. Resume with: rollbackctl resume --env production$/);
    expect(shown.stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^automation: paused by ana until \S+: incident 42$/),
      expect.stringMatching(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}pause by ana until \S+: incident 42$/),
    ]);
    expect(resumed.stdout).toBe('resumed automation in production (by ben); it now acts on alarms (mode "act")');
    expect(json.automation).toMatchObject({ mode: 'act', events: [{ action: 'resume', by: 'ben' }, { action: 'pause', by: 'ana' }] });
    expect(json.automation.pause).toBeUndefined();
    expect((await history.controls.read('production')).pause).toBeUndefined();
  });

  it.each([
    [['--for', '1h', '--reason', 'incident 42', '--by', ''], 'invalid --by "": name who is acting'],
    [['--for', '1h', '--reason', 'incident 42', '--by', 'ana\u001b[2J'], 'invalid --by'],
    [['--for', 'soon', '--reason', 'incident 42'], 'invalid --for: invalid duration "soon"'],
    [['--for', '2h', '--reason', 'x'], '--reason must say why'],
  ])('refuses %j with exit 2, pausing nothing', async (args, message) => {
    const { cli, history } = await cliTarget();

    const result = await cli('pause', '--env', 'production', ...args);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await history.controls.read('production')).toEqual({ environment: 'production', events: [] });
  });
});

describe('a head a bad write left behind', () => {
  it('never stops status, gate, pause or resume: the bad fields are left out, a resume by nobody is refused', async () => {
    const { cli, history } = await cliTarget();
    await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded', '--id', 'p-140', ...productionPoints(42, 17, '1.4.0'));
    await history.client.send(new UpdateCommand({
      TableName: history.tableName,
      Key: { deploymentId: 'control#production' },
      UpdateExpression: 'SET pause = :pause, #bad = :entry',
      ExpressionAttributeNames: { '#bad': 'rollback#bad' },
      ExpressionAttributeValues: { ':pause': { by: '', reason: 'x', at: 'yesterday', until: 'tomorrow' }, ':entry': { runId: 'bad', startedAt: '2026-11-23T10:00:00+00:00' } },
    }));

    const results = [
      await cli('status', '--env', 'production'),
      await cli('gate', '--env', 'production'),
      await cli('pause', '--env', 'production', '--for', '1h', '--reason', 'incident 43', '--by', 'ana'),
      await cli('resume', '--env', 'production', '--by', 'ana'),
    ];
    const blank = await cli('resume', '--env', 'production', '--by', ' ');

    expect(results.map((result) => result.exitCode)).toEqual([0, 0, 0, 0]);
    expect(results[2]!.stdout).toMatch(/^paused automation in production until \S+ \(by ana: incident 43\)/);
    expect(blank).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('invalid --by " ": name who is acting') });
    expect((await history.controls.read('production')).events.map((event) => [event.action, event.by])).toEqual([['resume', 'ana'], ['pause', 'ana']]);
  });
});

describe('rollbackctl status', () => {
  it('shows each environment: active, last good, mode or pause, last rollback; --json has a schema version; --watch refreshes', async () => {
    const { cli } = await cliTarget();
    await cli('record', '--env', 'production', '--version', '1.3.0', '--status', 'succeeded', '--id', 'p-130', ...productionPoints(41, 16, '1.3.0'));
    await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded', '--id', 'p-140', ...productionPoints(42, 17, '1.4.0'));
    await cli('pause', '--env', 'production', '--for', '30m', '--reason', 'incident 42', '--by', 'ana');

    const text = await cli('status', '--env', 'production');
    const json = JSON.parse((await cli('status', '--json')).stdout) as { schemaVersion: number; environments: { environment: string }[] };
    const watched = await cli('status', '--env', 'production', '--watch', '1', '--times', '2');

    expect(text.exitCode).toBe(0);
    expect(text.stdout.split('\n').slice(2)).toEqual([
      'production',
      expect.stringMatching(/^ {2}automation {4}paused: automation in production is paused by ana until \S+: incident 42$/),
      expect.stringMatching(/^ {2}live {10}1\.4\.0 \(p-140\), deployed, live since \S+$/),
      '  active        p-140 1.4.0 succeeded',
      '  last good     p-130 1.3.0',
      '  readiness     not checked yet (the reconciler checks within minutes of a deployment, then hourly)',
      '  last rollback none in 30 days',
    ]);
    expect(json.schemaVersion).toBe(1);
    expect(json.environments.map((environment) => environment.environment)).toEqual(['test', 'staging', 'production']);
    expect(watched.stdout.match(/^status at /gm)).toHaveLength(2);
  });

  it('answers every --json with its documented shape and schemaVersion 1', async () => {
    const { cli } = await cliTarget();
    const recorded = JSON.parse((await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded', '--id', 'p-140', '--json')).stdout);
    const answers = {
      record: recorded,
      history: JSON.parse((await cli('history', '--env', 'production', '--json')).stdout),
      show: JSON.parse((await cli('show', 'p-140', '--json')).stdout),
      gate: JSON.parse((await cli('gate', '--env', 'production', '--json')).stdout),
      status: JSON.parse((await cli('status', '--env', 'production', '--json')).stdout),
      pause: JSON.parse((await cli('pause', '--env', 'production', '--for', '10m', '--reason', 'incident 7', '--json')).stdout),
      resume: JSON.parse((await cli('resume', '--env', 'production', '--json')).stdout),
    };

    expect(answers).toMatchObject({
      record: { schemaVersion: 1, outcome: 'created', deployment: { deploymentId: 'p-140' } },
      history: { schemaVersion: 1, items: [{ deploymentId: 'p-140' }], automation: { mode: 'act' } },
      show: { schemaVersion: 1, deploymentId: 'p-140', version: '1.4.0' },
      gate: { schemaVersion: 1, environment: 'production', open: true },
      status: { schemaVersion: 1, environments: [{ environment: 'production', active: { deploymentId: 'p-140' } }] },
      pause: { schemaVersion: 1, environment: 'production', pause: { reason: 'incident 7' } },
      resume: { schemaVersion: 1, environment: 'production', wasPaused: true },
    });
  });

  it('takes --output json for --json, --output table or text for the default, and refuses any other format', async () => {
    const { cli } = await cliTarget();
    await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded', '--id', 'p-140');

    const json = await cli('--output', 'json', 'history', '--env', 'production');
    const table = await cli('history', '--env', 'production', '--output=table');
    const yaml = await cli('history', '--env', 'production', '--output', 'yaml');

    expect(JSON.parse(json.stdout)).toMatchObject({ items: [{ deploymentId: 'p-140' }] });
    expect(table.stdout).toBe((await cli('history', '--env', 'production')).stdout);
    expect(yaml).toMatchObject({ exitCode: 2, stderr: 'rollbackctl: invalid --output "yaml": use one of table, text, json' });
  });

  it('shows a running rollback with its current step and lease, and the cooldown after the last one', () => {
    const config = loadConfig('rollback.config.json');
    const production = findEnvironment(config, 'production');
    const running: DeploymentRecord = {
      deploymentId: 'p-150', kind: 'deployment', environment: 'production', version: '1.5.0', status: 'rolling_back', startedAt: '2026-11-24T09:00:00.000Z', updatedAt: '2026-11-24T10:01:00.000Z', source: 'cli',
      rollback: { runId: 'alarm-1', mode: 'automatic', holder: 'invocation-7', leaseExpiresAt: '2026-11-24T10:15:00.000Z', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-24T10:00:00.000Z' },
      timeline: [{ step: 'stage-validation', at: '2026-11-24T10:01:00.000Z', runId: 'alarm-1', outcome: 'info', durationMs: 0, detail: 'round 2 of 3 passed', facts: { passed: false, rounds: 2 } } as never],
    };
    const earlier: DeploymentRecord = {
      deploymentId: 'p-140', kind: 'deployment', environment: 'production', version: '1.4.0', status: 'rolled_back', startedAt: '2026-11-24T08:00:00.000Z', updatedAt: '2026-11-24T09:56:00.000Z', source: 'cli',
      rollbackStartedAt: '2026-11-24T09:50:00.000Z',
      rollback: { runId: 'alarm-0', mode: 'automatic', previousStatus: 'succeeded', trigger: { type: 'alarm' }, startedAt: '2026-11-24T09:50:00.000Z', finishedAt: '2026-11-24T09:55:00.000Z', level: 'stage', targetVersion: '1.3.0' },
    };

    const status = environmentStatus({ environment: production, policy: config.policy, pair: { activeDeployment: running }, rollbacks: [earlier], now: new Date('2026-11-24T10:02:00.000Z') });

    expect(status).toEqual({
      environment: 'production',
      automation: { mode: 'act' },
      active: { deploymentId: 'p-150', version: '1.5.0', status: 'rolling_back' },
      running: { runId: 'alarm-1', holder: 'invocation-7', leaseExpiresAt: '2026-11-24T10:15:00.000Z', step: 'stage-validation', stepAt: '2026-11-24T10:01:00.000Z', detail: 'round 2 of 3 passed' },
      cooldownUntil: '2026-11-24T10:05:00.000Z',
      lastRollback: { deploymentId: 'p-140', outcome: 'rolled_back', level: 'stage', fromVersion: '1.4.0', toVersion: '1.3.0', startedAt: '2026-11-24T09:50:00.000Z', finishedAt: '2026-11-24T09:55:00.000Z' },
    });
    expect(renderStatus(status, 60).split('\n')).toEqual([
      'production',
      '  automation    act',
      '  live          not kept yet (inferred from the history unt…',
      '  active        p-150 1.5.0 rolling_back',
      '  last good     none recorded',
      '  readiness     not checked yet (the reconciler checks with…',
      '  running       run alarm-1 (driven by invocation-7), lease…',
      '    step        stage-validation at 2026-11-24T10:01:00.000…',
      '  cooldown      until 2026-11-24T10:05:00.000Z',
      '  last rollback rolled_back (stage) 1.4.0 -> 1.3.0 at 2026-…',
    ]);
  });
});

describe('rollbackctl gate', () => {
  it('is open (exit 0) on a settled environment and closed (exit 3, with the reason) while it is paused', async () => {
    const { cli } = await cliTarget();
    await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded');

    const open = await cli('gate', '--env', 'production');
    await cli('pause', '--env', 'production', '--for', '30m', '--reason', 'incident 42', '--by', 'ana');
    const closed = await cli('gate', '--env', 'production');
    const json = JSON.parse((await cli('gate', '--env', 'production', '--json')).stdout);

    expect(open).toMatchObject({ exitCode: 0, stdout: 'open: production is settled: no rollback running or failed, no cooldown, automation acting' });
    expect(closed.exitCode).toBe(3);
    expect(closed.stdout).toMatch(/^closed: automation in production is paused by ana until \S+: incident 42$/);
    expect(json).toMatchObject({ environment: 'production', open: false, reasons: [expect.stringContaining('paused by ana')] });
  });

  it('cannot tell without its history, and says so with exit 1 rather than "open"', async () => {
    const result = await rollbackctl(['gate', '--env', 'production'], { endpoint: localClientConfig().endpoint, tableName: 'no-such-table' });

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
  });
});

describe('rollbackctl record', () => {
  it('shows text from the history with its control characters escaped, never interpreted by the terminal', async () => {
    const { cli, history } = await cliTarget();
    // The CLI refuses such a name; a pipeline's revision summary or an older writer can still hold one.
    const hostile = 'ana\u001b]0;owned\u0007\u009b2J';
    await history.deployments.recordDeployment({ deploymentId: 'hostile-1', environment: 'production', version: '1.4.0', status: 'succeeded', source: 'gitlab', recordedBy: hostile, sourceRevision: 'fix\u001b[8mhidden' });

    const shown = await cli('show', 'hostile-1');
    const json = await cli('show', 'hostile-1', '--json');

    expect(shown.stdout).toContain('gitlab (ana\\u001b]0;owned\\u0007\\u009b2J)');
    expect(shown.stdout).toContain('fix\\u001b[8mhidden');
    expect(shown.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // JSON keeps the value: the escape is the same character.
    expect(JSON.parse(json.stdout)).toMatchObject({ recordedBy: hostile, sourceRevision: 'fix\u001b[8mhidden' });
  });

  it.each([
    [['--source', ''], 'invalid --source "": name the CI system'],
    [['--source', 'x'.repeat(500_000)], 'invalid --source (500000 characters)'],
    [['--source', 'git lab'], 'invalid --source "git lab"'],
    [['--revision', 'r'.repeat(500_000)], 'invalid --revision (500000 characters): the source revision deployed'],
    [['--revision', '  '], 'invalid --revision'],
    [['--revision', 'abc\u202Egnp'], 'invalid --revision'],
    [['--by', ''], 'invalid --by "": name who deployed'],
    [['--by', 'ana\uE000red\uE001'], 'invalid --by'],
  ])('refuses record %j with exit 2, naming the flag, recording nothing', async (args, message) => {
    const { cli, isEmpty } = await cliTarget();

    const result = await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'in_progress', ...args);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.length).toBeLessThan(1000);
    expect(await isEmpty()).toBe(true);
  });

  it('records a CI deployment start and finish without an id, then a retried finish changes nothing', async () => {
    const { cli, history } = await cliTarget();

    const started = await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'in_progress', '--source', 'gitlab', '--by', 'ana');
    const finished = await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded', '--source', 'gitlab',
      ...productionPoints(41, 17, '1.4.0'), '--revision', '9f1c2ab');
    const retried = await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded', '--source', 'gitlab');

    expect([started.exitCode, finished.exitCode, retried.exitCode]).toEqual([0, 0, 0]);
    expect(started.stdout).toMatch(/^recorded gitlab-production-\w+: production 1\.4\.0 in_progress$/);
    expect(finished.stdout).toMatch(/production 1\.4\.0 succeeded \(was in_progress\)$/);
    expect(retried.stdout).toMatch(/^already recorded, nothing changed/);
    const { items } = await history.deployments.listHistory({ environment: 'production', limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      source: 'gitlab',
      recordedBy: 'ana',
      status: 'succeeded',
      sourceRevision: '9f1c2ab',
      restorePoints: {
        'lambda-alias': { versions: { 'demo-shop-prod-api': '41', 'demo-shop-prod-worker': '17' } },
        'codepipeline-stage': { executionId: 'exec-1.4.0' },
        's3-cloudfront': { release: '1.4.0' },
      },
    });
  });

  it('records a deployment irreversible, with why, and history and show say so', async () => {
    const { cli } = await cliTarget();

    const recorded = JSON.parse((await cli('record', '--env', 'production', '--version', '2.0.0', '--status', 'succeeded', '--id', 'mig-1', '--irreversible', 'drops column orders.legacy_total', '--json')).stdout);
    const bare = JSON.parse((await cli('record', '--env', 'staging', '--version', '2.0.0', '--status', 'succeeded', '--id', 'mig-2', '--irreversible', '--by', 'ana', '--json')).stdout);
    const history = await cli('history', '--env', 'production');
    const shown = await cli('show', 'mig-1');

    expect(recorded.deployment).toMatchObject({ deploymentId: 'mig-1', irreversible: 'drops column orders.legacy_total' });
    expect(bare.deployment).toMatchObject({ irreversible: 'marked irreversible by ana' });
    expect(history.stdout).toMatch(/2\.0\.0\s+succeeded \[irreversible\]/);
    expect(shown.stdout).toContain('irreversible  drops column orders.legacy_total (automation never rolls back past it; rollback --force does)');
  });

  it('with --id, recording the same deployment twice is idempotent and prints JSON on request', async () => {
    const { cli } = await cliTarget();
    const args = ['record', '--env', 'staging', '--version', '2.0.0', '--status', 'succeeded', '--id', 'gha-123-1', '--json'];

    const first = JSON.parse((await cli(...args)).stdout);
    const second = JSON.parse((await cli(...args)).stdout);

    expect(first).toMatchObject({ outcome: 'created', deployment: { deploymentId: 'gha-123-1', environment: 'staging' } });
    expect(second).toMatchObject({ outcome: 'unchanged', deployment: first.deployment });
  });

  it.each([
    ['an unknown environment', ['--env', 'prod', '--version', '1.0', '--status', 'succeeded'], 'unknown environment "prod": the configuration knows "test", "staging", "production"'],
    ['a status CI cannot set', ['--env', 'production', '--version', '1.0', '--status', 'rolled_back'], 'invalid --status "rolled_back": a CI system records one of in_progress, succeeded, failed'],
    ['a function the environment does not serve', ['--env', 'production', '--version', '1.0', '--status', 'succeeded', '--lambda', 'other=3'], 'invalid --lambda "other=3": the alias serves demo-shop-prod-api, demo-shop-prod-worker'],
    ['a version that is not a number', ['--env', 'production', '--version', '1.0', '--status', 'succeeded', '--lambda', 'demo-shop-prod-api=$LATEST'], 'use FUNCTION=VERSION with a published version number'],
    ['a version with spaces', ['--env', 'production', '--version', '1 0', '--status', 'succeeded'], 'invalid --version "1 0"'],
    ['a missing --version', ['--env', 'production', '--status', 'succeeded'], "required option '--version <version>' not specified"],
    ['an irreversible reason too short to help', ['--env', 'production', '--version', '1.0', '--status', 'succeeded', '--irreversible', 'x'], 'invalid --irreversible: say why in 3 to 500 characters'],
  ])('rejects %s with exit 2 and a clear message, writing nothing', async (_, args, message) => {
    const { cli, isEmpty } = await cliTarget();

    const result = await cli('record', ...args);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await isEmpty()).toBe(true);
  });

  it('refuses a succeeded deployment whose restore points miss some of the environment’s targets, naming each flag, writing nothing', async () => {
    const { cli, isEmpty } = await cliTarget();

    const result = await cli('record', '--env', 'production', '--version', '1.5.0', '--status', 'succeeded', '--lambda', 'demo-shop-prod-api=50');

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'rollbackctl: production restores lambda-alias, codepipeline-stage, s3-cloudfront: lambda-alias: no version for demo-shop-prod-worker (alias live serves demo-shop-prod-api, demo-shop-prod-worker); ' +
        'no restore point given for codepipeline-stage (--pipeline-execution), s3-cloudfront (--release). Give them, use --capture to read what every target serves now, or --incomplete to record it as history that automation never rolls production back to',
    );
    expect(await isEmpty()).toBe(true);
  });

  it('records a partial set with --incomplete as history automation never restores to, and show says so', async () => {
    const { cli, history } = await cliTarget();
    await cli('record', '--env', 'production', '--version', '1.3.0', '--status', 'succeeded', '--id', 'p-130', ...productionPoints(41, 16, '1.3.0'));

    const partial = await cli('record', '--env', 'production', '--version', '1.3.5', '--status', 'succeeded', '--id', 'p-135', '--lambda', 'demo-shop-prod-api=50', '--incomplete');
    await cli('record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded', '--id', 'p-140', ...productionPoints(42, 17, '1.4.0'));
    const shown = await cli('show', 'p-135');

    expect(partial).toMatchObject({ exitCode: 0, stdout: 'recorded p-135: production 1.3.5 succeeded (incomplete: never restored to by automation)' });
    expect(partial.stderr).toContain('rollbackctl: warning: recorded as incomplete (lambda-alias: no version for demo-shop-prod-worker');
    expect(shown.stdout).toMatch(/^restorable +no — automation never rolls back to it: records no restore point for codepipeline-stage, s3-cloudfront; lambda-alias: no version for demo-shop-prod-worker /m);
    expect((await history.deployments.findRollbackPair(findEnvironment(loadConfig('rollback.config.json'), 'production'))).lastKnownGood?.deploymentId).toBe('p-130');
  });

  it('refuses an ECS restore point naming another family or account than the service runs, writing nothing', async () => {
    const { cli, history } = await cliTarget();
    const stagingPoints = (ecs: string) => ['--lambda', 'demo-shop-staging-api=31', '--lambda', 'demo-shop-staging-worker=11', '--pipeline-execution', 'exec-1', '--weight', 'blue=100', '--weight', 'green=0', '--task-definition', ecs, '--stack-template', 'a'.repeat(64)];
    await cli('record', '--env', 'staging', '--version', '1.3.0', '--status', 'succeeded', '--id', 's-130', ...stagingPoints('arn:aws:ecs:eu-west-1:123456789012:task-definition/demo-shop-staging-web:14'));

    const result = await cli('record', '--env', 'staging', '--version', '1.4.0', '--status', 'succeeded', '--id', 's-140', ...stagingPoints('arn:aws:ecs:eu-west-1:999999999999:task-definition/admin-tools:1'));

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('ecs-service: task definition admin-tools:1 is in account 999999999999, not the service\'s (123456789012); ecs-service: task definition family admin-tools is not the family service demo-shop-staging/demo-shop-staging-web runs (demo-shop-staging-web)');
    expect(await history.deployments.getDeployment('s-140')).toBeUndefined();
  });

  it('refuses to reuse an id for another environment, leaving the first record intact', async () => {
    const { cli, history } = await cliTarget();
    await cli('record', '--env', 'staging', '--version', '2.0.0', '--status', 'in_progress', '--id', 'job-7');

    const clash = await cli('record', '--env', 'production', '--version', '2.0.0', '--status', 'succeeded', '--id', 'job-7');

    expect(clash.exitCode).toBe(2);
    expect(clash.stderr).toContain('deployment "job-7" is already recorded for environment "staging"');
    expect(await history.deployments.getDeployment('job-7')).toMatchObject({ environment: 'staging', status: 'in_progress' });
  });
});

describe('rollbackctl history and show', () => {
  async function seeded() {
    const target = await cliTarget();
    const base = new Date('2026-11-20T08:00:00.000Z').getTime();
    const statuses = ['succeeded', 'failed', 'succeeded', 'succeeded'] as const;
    for (const [index, status] of statuses.entries()) {
      target.history.clock.set(new Date(base + index * 3_600_000));
      await target.history.deployments.recordDeployment({ deploymentId: `cp-${index}`, environment: 'production', version: `1.${index}`, status, source: 'codepipeline' });
    }
    const bad = (await target.history.deployments.getDeployment('cp-3'))!;
    target.history.clock.set('2026-11-20T11:30:00.000Z');
    const claim = {
      step: 'claim',
      at: '2026-11-20T11:30:00.000Z',
      runId: 'run-1',
      outcome: 'info',
      durationMs: 12,
      detail: 'claimed cp-3 (1.3); restoring cp-2 (1.2)',
      facts: { invocationId: 'i-1', mode: 'automatic', environment: 'production', fromDeploymentId: 'cp-3', fromVersion: '1.3', toDeploymentId: 'cp-2', toVersion: '1.2', reason: 'alarm demo-shop-prod-5xx' },
    } satisfies JournalStep;
    await target.history.runs.claim({ observed: bad, runId: 'run-1', invocationId: 'i-1', mode: 'automatic', trigger: { type: 'alarm', alarmName: 'demo-shop-prod-5xx' }, leaseSeconds: 60, claimStep: claim });
    const ref = { deploymentId: 'cp-3', runId: 'run-1', invocationId: 'i-1' };
    // As the run does: the restore puts cp-2 live on the environment's head.
    await target.history.controls.noteLive('production', { deploymentId: 'cp-2', version: '1.2', since: '2026-11-20T11:30:00.100Z', cause: 'restored', targets: ['lambda-alias'], replaced: 'cp-3', runId: 'run-1', level: 'stage' });
    const restored = {
      step: 'stage-rollback',
      at: '2026-11-20T11:30:00.100Z',
      runId: 'run-1',
      outcome: 'ok',
      durationMs: 340,
      detail: 'alias live -> 2',
      facts: { environments: [{ environment: 'production', fromDeploymentId: 'cp-3', toDeploymentId: 'cp-2', toVersion: '1.2', verdict: 'restored', targets: [] }] },
    } satisfies JournalStep;
    const journal = { timeline: [claim, restored] as JournalStep[], dropped: 0 };
    await target.history.runs.writeJournal(ref, journal);
    target.history.clock.set('2026-11-20T11:31:05.000Z');
    await target.history.runs.complete(ref, { outcome: 'rolled_back', level: 'stage', reason: 'alarm demo-shop-prod-5xx', targetDeploymentId: 'cp-2', targetVersion: '1.2' }, journal);
    await target.history.runs.release(ref, journal);
    return target;
  }

  it('prints a readable table, newest first, with the rollback on the bad deployment', async () => {
    const { cli } = await seeded();

    const result = await cli('history', '--env', 'production');

    expect(result.exitCode).toBe(0);
    const [automation, live, blank, ...lines] = result.stdout.split('\n');
    expect([automation, live, blank]).toEqual(['automation: acts on alarms (mode "act")', 'live: 1.2 (cp-2), restored (stage) by run run-1 over cp-3, live since 2026-11-20T11:30:00.100Z', '']);
    expect(lines[0]).toMatch(/^STARTED \(UTC\)\s+VERSION\s+STATUS\s+TOOK\s+SOURCE\s+DEPLOYMENT\s+ROLLBACK$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1, 3))).toEqual([['1.3', 'rolled_back'], ['1.2', 'succeeded [live]'], ['1.1', 'failed'], ['1.0', 'succeeded']]);
    expect(lines[1]).toMatch(/^2026-11-20 11:00:00\s+1\.3\s+rolled_back\s+0ms\s+codepipeline\s+cp-3\s+stage -> 1\.2 \(demo-shop-prod-5xx\)$/);
  });

  it('filters by status and --since, and pages with the printed cursor', async () => {
    const { cli } = await seeded();

    const succeeded = JSON.parse((await cli('history', '--env', 'production', '--status', 'succeeded', '--json')).stdout) as HistoryPage;
    const firstPage = await cli('history', '--env', 'production', '--limit', '2');
    const cursor = /--cursor (\S+)/.exec(firstPage.stdout)?.[1];
    const secondPage = JSON.parse((await cli('history', '--env', 'production', '--limit', '2', '--cursor', cursor!, '--json')).stdout) as HistoryPage;
    const since = JSON.parse((await cli('history', '--env', 'production', '--since', '2026-11-20T09:30:00Z', '--json')).stdout) as HistoryPage;

    expect(succeeded.items.map((item) => item.version)).toEqual(['1.2', '1.0']);
    expect(secondPage.items.map((item) => item.version)).toEqual(['1.1', '1.0']);
    expect(secondPage.nextCursor).toBeUndefined();
    expect(since.items.map((item) => item.version)).toEqual(['1.3', '1.2']);
  });

  it('says plainly when an environment has no history', async () => {
    const { cli } = await cliTarget();

    const result = await cli('history', '--env', 'test', '--since', '7d');

    expect(result).toMatchObject({ exitCode: 0, stdout: 'automation: acts on alarms (mode "act")\n\nno deployments recorded for test since 7d' });
  });

  it.each([
    [['--env', 'qa'], 'unknown environment "qa"'],
    [['--env', 'production', '--since', '7days'], 'invalid --since: invalid duration "7days"'],
    [['--env', 'production', '--status', 'done'], 'invalid --status "done": use one of in_progress, succeeded'],
    [['--env', 'production', '--limit', '0'], 'invalid --limit "0": use a whole number from 1 to 100'],
    [['--env', 'production', '--cursor', 'garbage'], 'invalid cursor'],
    [['--env', 'production', '--cursor', 'eyJlbnZpcm9ubWVudCI6InByb2R1Y3Rpb24i'], 'invalid cursor: it is not a cursor this tool produced'],
    [['--env', 'production', '--cursor', 'a+b/c='], 'invalid cursor: it is not a cursor this tool produced'],
    [['--env', 'production', '--cursor', 'A'.repeat(5000)], 'invalid cursor: it is not a cursor this tool produced'],
    [['--env', 'production', '--cursor', cursorOf({ environment: 'production', key: [] })], 'invalid cursor: its key is malformed'],
    [['--env', 'production', '--cursor', cursorOf({ environment: 'production', key: {} })], 'invalid cursor: its key is malformed'],
    [['--env', 'production', '--cursor', cursorOf({ environment: 'production', key: { deploymentId: 'cp-1' } })], 'invalid cursor: its key is malformed'],
    [['--env', 'production', '--cursor', cursorOf({ environment: 'production', key: { deploymentId: 'cp-1', environment: 'staging', startedAt: '2026-11-20T08:00:00.000Z' } })], 'invalid cursor: its key is malformed'],
    [['--env', 'production', '--cursor', cursorOf({ environment: 'production', key: { deploymentId: 'cp-1', environment: 'production', startedAt: 'yesterday' } })], 'invalid cursor: its key is malformed'],
    [['--env', 'production', '--cursor', cursorOf({ environment: 'staging', key: {} })], 'invalid cursor: it pages environment "staging", not "production"'],
    [['--env', 'production', '--cursor', cursorOf(['production'])], 'invalid cursor: it is not a cursor this tool produced'],
    [['--env', 'production', '--since', '2026-11-01T00:00:00Z', '--cursor', cursorOf({ environment: 'production', key: { deploymentId: 'cp-1', environment: 'production', startedAt: '2026-10-20T08:00:00.000Z' } })], 'invalid cursor: it resumes at 2026-10-20T08:00:00.000Z, outside the --since/--until range'],
    [['--env', 'production', '--since', '1d', '--until', '7d'], '--since 1d'],
  ])('rejects history %j with exit 2 and names the problem', async (args, message) => {
    const { cli } = await cliTarget();

    const result = await cli('history', ...args);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('shows one deployment with its rollback and timeline', async () => {
    const { cli } = await seeded();

    const text = (await cli('show', 'cp-3')).stdout;
    const json = JSON.parse((await cli('show', 'cp-3', '--json')).stdout) as DeploymentRecord;

    expect(text).toMatch(/^rollback\s+stage -> 1\.2 \(demo-shop-prod-5xx\)$/m);
    expect(text).toMatch(/^ {2}target\s+cp-2 \(1\.2\)$/m);
    expect(text).toMatch(/^ {2}finished\s+2026-11-20 11:31:05 \(took 1m 05s\)$/m);
    expect(text).toMatch(/^2026-11-20 11:30:00\s+stage-rollback\s+ok\s+340ms\s+alias live -> 2$/m);
    expect(json.timeline?.map((step) => step.step)).toEqual(['claim', 'stage-rollback']);
  });

  it.each([
    ['an empty id', '', 'give the id of a deployment to show'],
    ['a 3,000-character id', 'x'.repeat(3000), 'invalid deployment id (3000 characters): no recorded id is longer than 1024 characters'],
    ['an id with a control character', 'cp-1\u001b[2J', 'invalid deployment id'],
  ])('refuses to show %s with exit 2, naming the problem', async (_, id, message) => {
    const { cli } = await cliTarget();

    const result = await cli('show', id);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/ValidationException|ZodError/);
  });

  it('answers an unknown deployment id with exit 1 and its name', async () => {
    const { cli } = await cliTarget();

    const result = await cli('show', 'does-not-exist');

    expect(result).toMatchObject({ exitCode: 1, stderr: 'rollbackctl: no deployment "does-not-exist" in the history' });
  });
});

describe('the rollbackctl binary with --local', () => {
  const execute = promisify(execFile);

  it('keeps history on disk between separate runs, and fails without a stack trace', async () => {
    const env = { ...process.env, ROLLBACKCTL_HOME: temporaryFolder('rollbackctl') };
    const run = (...args: string[]) => execute('node', ['cli/bin.mjs', ...args, '--local'], { env });

    await run('record', '--env', 'test', '--version', '0.9.1', '--status', 'succeeded', '--id', 'local-1');
    const listed = await run('history', '--env', 'test', '--json');
    const failure = await run('show', 'missing').catch((error: { code: number; stderr: string }) => error);

    expect((JSON.parse(listed.stdout) as HistoryPage).items.map((item) => item.deploymentId)).toEqual(['local-1']);
    expect(failure).toMatchObject({ code: 1, stderr: 'rollbackctl: no deployment "missing" in the history\n' });
  }, JVM_STARTS_TIMEOUT_MS(3)); // each run starts its own JVM: wait as long as their readiness deadlines allow
});
