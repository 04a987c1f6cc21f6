import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openHistory } from '../../cli/history-connection';
import { readEventFile, runLocalDrill } from '../../cli/local-drill/local-drill';
import type { ScenarioName } from '../../cli/local-drill/scenarios';
import { scenariosOf } from '../../shared/targets/target-plugin';
import { runCli } from '../../cli/rollbackctl';
import { forTerminal } from '../../cli/terminal-safe';
import { findEnvironment, loadConfig } from '../../shared/config';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { TARGET_PLUGINS } from '../../shared/targets/target-registry';
import { deployFailureRequestSchema } from '../../shared/events/rollback-request';
import { createTestHistory, JVM_STARTS_TIMEOUT_MS, localClientConfig } from '../helpers/history-table';
import { startRequestUrlServer, TEST_CREDENTIALS } from '../helpers/request-url-server';
import { temporaryFolder } from '../helpers/temporary-folder';

const config = loadConfig('rollback.config.json');

/** Sandbox polling 20x faster than a person's drill: the same rounds and verdicts, less waiting (the CLI test keeps the default). */
const TEST_COMPRESSION = 2_000;

/** Runs a local drill on its own DynamoDB Local table, capturing what a person would read. */
async function drill(scenario: ScenarioName, options: { eventFile?: string; exact?: boolean; table?: string; textRun?: boolean } = {}) {
  const tableName = options.table ?? (await createTestHistory()).tableName;
  const connection = await openHistory({ endpoint: localClientConfig().endpoint, table: tableName }, {});
  const lines: string[] = [];
  // As runCli writes it to a pipe: escaped, colour marks left plain.
  const io = { out: (text: string) => lines.push(forTerminal(text, false)), err: (text: string) => lines.push(`ERR ${forTerminal(text, false)}`), env: {}, cwd: process.cwd() };
  try {
    const event = options.eventFile === undefined ? undefined : readEventFile(options.eventFile, process.cwd());
    // The text run first (what a person reads), then the JSON run on the same, now longer, history.
    const exitCode = options.textRun === false ? 0 : await runLocalDrill(connection, config, { scenario, event, exact: options.exact, compression: TEST_COMPRESSION }, io);
    const jsonLines: string[] = [];
    const jsonCode = await runLocalDrill(connection, config, { scenario, event, exact: options.exact, json: true, compression: TEST_COMPRESSION }, { ...io, out: (text) => jsonLines.push(text) });
    const { schemaVersion, runs: results } = JSON.parse(jsonLines.join('\n')) as { schemaVersion: number; runs: RollbackRunResult[] };
    if (schemaVersion !== 1) throw new Error(`drill --json schemaVersion ${schemaVersion}`);
    return { exitCode, jsonCode, output: lines.join('\n'), results, store: connection.history.deployments, tableName };
  } finally {
    await connection.close();
  }
}

describe('local drill scenarios (DynamoDB Local + sandbox)', () => {
  it('stage-recovers: seeds the demo history, rolls production back at stage level, announces it and shows the history', async () => {
    const { exitCode, output, results, store } = await drill('stage-recovers');

    expect(exitCode).toBe(0);
    expect(output).toMatch(/history: table \S+ at \S+, made afresh: 15 demo deployments of 1\.0\.0 to 1\.3\.0 across test, staging, production/);
    expect(output).toMatch(/validation polling compressed 2000x/);
    expect(output).toMatch(/^ {2}✓ stage-rollback .* production: before hook demo-shop-prod-freeze-writes answered ok; alias live: demo-shop-prod-api 21->14, demo-shop-prod-worker 21->14, weights cleared; origin frontend-releases of distribution E2DEMOSHOP0001 1\.4\.1 -> 1\.3\.0; invalidation \S+ of \/\*; stage DeployProduction rolling back/m);
    expect(output).toMatch(/^outcome: rolled_back \(stage\) production 1\.4\.1 -> 1\.3\.0/m);
    expect(output).toContain('Subject:    production rolled_back (stage) 1.4.1 -> 1.3.0');
    expect(output).toMatch(/^production history, newest first:\nSTARTED \(UTC\)/m);
    // The run on a time axis, before the history: each step a bar, the restore marked.
    expect(output).toMatch(/^production on a time axis \(sandbox time\):\nrun {14}0 /m);
    expect(output).toMatch(/^stage-validation +[─┼]+✓ +\d+s$/m);
    expect(output).toMatch(/▲ traffic restored \d+ms after the alarm/);
    // The JSON run is the second drill: from the same history made afresh, the same story — 1.4.1 rolled back to 1.3.0 again.
    expect(results[0]).toMatchObject({ outcome: 'rolled_back', level: 'stage', environment: 'production', fromVersion: '1.4.1', toVersion: '1.3.0', drill: false });
    expect(await store.getDeployment('sandbox-production-1.4.1')).toMatchObject({ status: 'rolled_back', rollback: { level: 'stage', targetVersion: '1.3.0' } });
    expect(await store.getDeployment('sandbox-production-1.4.2')).toBeUndefined();
  });

  it('stage-fails: the full rollback of staging and production saves it', async () => {
    const { results, output, store } = await drill('stage-fails');

    expect(results[0]).toMatchObject({ outcome: 'rolled_back', level: 'full', fromVersion: '1.4.1' });
    expect(results[0]!.timeline.map((step) => [step.step, step.outcome])).toEqual([
      ['claim', 'info'], ['stage-rollback', 'ok'], ['stage-validation', 'failed'], ['full-scope', 'info'], ['full-rollback', 'ok'], ['full-validation', 'ok'], ['complete', 'ok'], ['notify', 'ok'],
    ]);
    expect(await store.getDeployment('sandbox-staging-1.4.1')).toMatchObject({ status: 'rolled_back', rollback: { level: 'full' } });
    expect(output).toContain('fault:   every environment\'s alarms fire while any environment still runs 1.4.1');
  });

  it.each(TARGET_PLUGINS.flatMap((plugin) => scenariosOf(plugin).filter((scenario) => !scenario.refusesRestore && !scenario.twinFault).map((scenario) => [scenario.name, plugin.type])))(
    '%s: restores the %s target through its sandbox twin, beside the others, and validates',
    async (scenario, type) => {
      const { results } = await drill(scenario as ScenarioName, { textRun: false });
      const restore = results[0]!.timeline.find((step) => step.step === 'stage-rollback');

      expect(results[0]).toMatchObject({ outcome: 'rolled_back', level: 'stage' });
      expect(restore?.step === 'stage-rollback' && restore.facts.environments[0]!.targets.find((target) => target.target === type)).toMatchObject({ outcome: 'restored' });
    },
  );

  it('stateful-replace-refused: staging’s change set would replace its table: the stack is not touched, traffic is back, and the run escalates at stage level without widening', async () => {
    const { results, output } = await drill('stateful-replace-refused');
    const restore = results[0]!.timeline.find((step) => step.step === 'stage-rollback');

    expect(results[0]).toMatchObject({ outcome: 'rollback_failed', level: 'stage', reason: expect.stringContaining('stage rollback stopped for a person to decide') });
    expect(results[0]!.reason).toContain('would Replace OrdersTable (AWS::DynamoDB::Table): it holds data — kept for review, never executed');
    expect(results[0]!.timeline.some((step) => step.step === 'full-scope' || step.step === 'full-rollback')).toBe(false);
    const targets = restore?.step === 'stage-rollback' ? restore.facts.environments[0]!.targets : [];
    expect(targets.find((target) => target.target === 'cloudformation-stack')).toMatchObject({ outcome: 'failed', needsPerson: true });
    expect(targets.find((target) => target.target === 'lambda-alias')).toMatchObject({ outcome: 'restored' });
    expect(output).toContain('cloudformation-stack: Replace OrdersTable (AWS::DynamoDB::Table): it holds data');
  });

  it('hook-refused: production’s required before-hook refuses: nothing else is restored, and it escalates without widening', async () => {
    const { results } = await drill('hook-refused', { textRun: false });
    const restore = results[0]!.timeline.find((step) => step.step === 'stage-rollback');
    const targets = restore?.step === 'stage-rollback' ? restore.facts.environments[0]!.targets : [];

    expect(results[0]).toMatchObject({ outcome: 'rollback_failed', level: 'stage', reason: expect.stringContaining('before hook demo-shop-prod-freeze-writes refused') });
    expect(targets.filter((target) => target.target !== 'hook').map((target) => target.detail)).toEqual(targets.filter((target) => target.target !== 'hook').map(() => expect.stringMatching(/^not attempted: before hook demo-shop-prod-freeze-writes refused/)));
    expect(results[0]!.timeline.some((step) => step.step === 'full-scope')).toBe(false);
  });

  it('observe: production in observe mode announces what it would have done and changes nothing', async () => {
    const { results, store } = await drill('observe', { textRun: false });

    expect(results[0]).toMatchObject({ outcome: 'observed', level: 'stage', fromVersion: '1.4.1', toVersion: '1.3.0' });
    expect(await store.getDeployment('sandbox-production-1.4.1')).toMatchObject({ status: 'succeeded' });
  });

  it('paused: the alarm is skipped naming who paused it and until when, and the drill lifts the pause again', async () => {
    const { results, tableName } = await drill('paused', { textRun: false });
    const history = await openHistory({ endpoint: localClientConfig().endpoint, table: tableName }, {});

    expect(results[0]).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^automation in production is paused by ana\.oncall until \S+: incident 42/) });
    expect((await history.history.controls.read('production')).pause).toBeUndefined();
    await history.close();
  });

  it('deploy-failure: the pipeline reports a deploy that failed after it moved traffic, and it is rolled back before any alarm', async () => {
    const { results, store } = await drill('deploy-failure', { textRun: false });

    expect(results[0]).toMatchObject({ outcome: 'rolled_back', level: 'stage', fromVersion: '1.4.1', toVersion: '1.3.0' });
    expect(await store.getDeployment('sandbox-production-1.4.1')).toMatchObject({ status: 'rolled_back', rollback: { previousStatus: 'failed', trigger: { type: 'deploy_failure' } } });
  });

  it('all-fail: escalates as rollback_failed with a critical notification, and still exits 0 (a handled outcome)', async () => {
    const { exitCode, jsonCode, results, output, store } = await drill('all-fail');

    expect([exitCode, jsonCode]).toEqual([0, 0]);
    expect(results[0]).toMatchObject({ outcome: 'rollback_failed', level: 'full' });
    expect(output).toContain('Subject:    [CRITICAL] production rollback_failed (full) 1.4.1 -> 1.3.0');
    expect(await store.getDeployment('sandbox-production-1.4.1')).toMatchObject({ status: 'rollback_failed' });
  });

  it('no-traffic: the alarm goes quiet with no datapoints, so the run ends unverified, the restore stays and nothing widens', async () => {
    const { results, store } = await drill('no-traffic', { textRun: false });

    expect(results[0]).toMatchObject({ outcome: 'unverified', level: 'stage', notification: { type: 'rollback_result', severity: 'warning' } });
    expect(results[0]!.timeline.map((step) => [step.step, step.outcome])).toEqual([['claim', 'info'], ['stage-rollback', 'ok'], ['stage-validation', 'warning'], ['complete', 'warning'], ['notify', 'ok']]);
    expect(results[0]!.reason).toMatch(/^stage rollback unverified: no verdict within 300 s \(\d+ round\(s\)\): production alarm demo-shop-prod-api-5xx: no datapoints in \d+ complete period\(s\) since the restore: no traffic, or no data, is no evidence/);
    expect(await store.getDeployment(results[0]!.deploymentId!)).toMatchObject({ status: 'rolled_back', rollback: { verdict: 'unverified', level: 'stage' } });
  });

  it('still-bad: the known good fails its own traffic, so not_recovered comes at the first poll that sees it, within one 60 s period and a poll of the restore', async () => {
    const { results } = await drill('still-bad', { textRun: false });

    const validation = results[0]!.timeline.find((step) => step.step === 'stage-validation')!;
    expect(results[0]).toMatchObject({ outcome: 'rollback_failed', level: 'full' });
    expect(validation.facts).toMatchObject({ verdict: 'not_recovered', concludedBy: 'traffic', decidedBy: { check: 'traffic demo-shop-prod-api', detail: expect.stringMatching(/^\d+ error\(s\) in \d+ invocation\(s\) of the known good \(10\.0%\) against its own 0\.17% before the bad deployment: worse by at least 1\.0%/) } });
    // Whatever second of a minute the restore came: the partial minute's traffic is the known good's own
    // (one poll, 10 s, after it; the bound is the promise, one 60 s period and a poll, as sandbox time runs on a busy machine's clock).
    expect(validation.durationMs).toBeLessThanOrEqual(70_000);
  });

  it('no-deployment: skips on an empty scratch table, says why, and leaves the history alone', async () => {
    const { results, output, store } = await drill('no-deployment');

    expect(results[0]).toMatchObject({ outcome: 'skipped', reason: 'no active deployment recorded for production: nothing to roll back' });
    expect(output).toContain('Subject:    production skipped');
    expect((await store.listHistory({ environment: 'production', limit: 5 })).items).toEqual([]);
  });

  it('storm: 50 alarm deliveries at once make exactly one rollback', async () => {
    const { results, output } = await drill('storm');

    expect(results.filter((result) => result.outcome === 'rolled_back')).toHaveLength(1);
    expect(results.filter((result) => result.outcome === 'duplicate')).toHaveLength(49);
    expect(output).toContain('50 alarm deliveries: 1 rolled_back, 49 duplicate');
  });

  it('--event --exact delivered twice rolls back once: the retry answers with the first run\'s outcome and acts on nothing', async () => {
    // An alarm saved as EventBridge delivered it a moment ago (a sample's own date predates the demo history: it would not be the deployment's doing).
    const folder = temporaryFolder('events');
    const alarm = JSON.parse(readFileSync('events/alarm-staging.json', 'utf8')) as { time: string; detail: { state: { timestamp: string } } };
    alarm.time = alarm.detail.state.timestamp = new Date().toISOString();
    writeFileSync(join(folder, 'alarm-staging-now.json'), JSON.stringify(alarm));
    for (const [file, environment] of [[join(folder, 'alarm-staging-now.json'), 'staging'], ['events/request-url-rollback.json', 'production']] as const) {
      const { output, results, store } = await drill('stage-recovers', { eventFile: file, exact: true });
      const rolledBack = (await store.listHistory({ environment, status: 'rolled_back', limit: 10 })).items;

      expect(output).toMatch(/^outcome: rolled_back/m);
      expect(rolledBack).toHaveLength(1);
      expect(results[0]).toMatchObject({ outcome: 'rolled_back', deploymentId: rolledBack[0]!.deploymentId });
    }
  });

  it('--event replays a saved event as a new delivery on a history made afresh, so a sample event acts the same way on every run', async () => {
    const { output, results, store } = await drill('stage-recovers', { eventFile: 'events/alarm-staging.json' });

    expect(output).toContain('  event:   replayed as a new delivery: a fresh id (or requestId) and the sandbox time');
    expect(output).toMatch(/^outcome: rolled_back \(stage\) staging 1\.3\.0 -> 1\.2\.0/m);
    // The text run rolled staging back; the JSON run, from the same history made afresh, did the same — and only that.
    expect(results[0]).toMatchObject({ outcome: 'rolled_back', environment: 'staging', fromVersion: '1.3.0', toVersion: '1.2.0' });
    expect((await store.listHistory({ environment: 'staging', status: 'rolled_back', limit: 10 })).items).toHaveLength(1);
  });

  it('an alarm event rolls production back past the failed 1.2.1 to 1.2.0 on every run, and status says what is live', async () => {
    // Both runs: production 1.3.0 -> 1.2.0 — never the failed 1.2.1 that 1.3.0 had replaced.
    const { output, results, store, tableName } = await drill('stage-recovers', { eventFile: 'events/alarm-production.json' });
    const lines: string[] = [];
    const statusCode = await runCli(['status', '--env', 'production', '--json', '--endpoint', localClientConfig().endpoint, '--table', tableName], { out: (text) => lines.push(text), err: (text) => lines.push(text), env: {}, cwd: process.cwd() });
    const status = JSON.parse(lines.join('\n')) as { environments: { live?: { deploymentId: string; cause: string }; active?: { deploymentId: string; version: string } }[] };

    expect(output).toMatch(/^outcome: rolled_back \(stage\) production 1\.3\.0 -> 1\.2\.0/m);
    expect(results[0]).toMatchObject({ outcome: 'rolled_back', deploymentId: 'demo-production-1.3.0', fromVersion: '1.3.0', toVersion: '1.2.0' });
    expect(await store.getDeployment('demo-production-1.2.1')).toMatchObject({ status: 'failed' });
    expect(statusCode).toBe(0);
    expect(status.environments[0]).toMatchObject({ live: { deploymentId: 'demo-production-1.2.0', cause: 'restored' }, active: { deploymentId: 'demo-production-1.2.0', version: '1.2.0' } });
  });

  it('alarm-before-deploy: an alarm in ALARM since before the release is announced as not its doing, and nothing is rolled back', async () => {
    const { results, output, store } = await drill('alarm-before-deploy');

    expect(results[0]).toMatchObject({ outcome: 'skipped', deploymentId: 'sandbox-production-1.4.1', reason: expect.stringMatching(/^the alarm predates the deployment: in ALARM since \S+, before sandbox-production-1\.4\.1 \(1\.4\.1\) started at \S+ — not its doing/) });
    expect(output).toMatch(/^▶ alarm demo-shop-prod-api-5xx, in ALARM since \S+, changed again \(production\)$/m);
    expect(output).toContain('Subject:    production skipped 1.4.1');
    expect(await store.getDeployment('sandbox-production-1.4.1')).toMatchObject({ status: 'succeeded' });
  });

  it('cross-account: production in another account and region is rolled back and validated; the same alarm name from the controller\'s own account is ignored', async () => {
    const { results } = await drill('cross-account', { textRun: false });

    expect(results.map((result) => result.outcome)).toEqual(['ignored', 'rolled_back']);
    expect(results[0]!.reason).toBe('alarm demo-shop-prod-api-5xx came from account 000000000000, but production is in account 222222222222: not its alarm');
    expect(results[1]).toMatchObject({ level: 'stage', environment: 'production', fromVersion: '1.4.1', toVersion: '1.3.0' });
    expect(results[1]!.timeline.find((step) => step.step === 'stage-validation')).toMatchObject({ outcome: 'ok', facts: { verdict: 'recovered' } });
  });

  it('cooldown: a second alarm two minutes after a rollback is held back, saying until when', async () => {
    const { results } = await drill('cooldown');

    expect(results.map((result) => result.outcome)).toEqual(['rolled_back', 'skipped']);
    expect(results[1]!.reason).toMatch(/^production is in its 10-minute cooldown after rolling back sandbox-production-1\.4\.1, until /);
  });

  it.each([
    ['events/alarm-ok.json', { outcome: 'ignored', reason: 'alarm demo-shop-prod-api-5xx is OK, not ALARM' }],
    ['events/alarm-staging.json', { outcome: 'rolled_back', environment: 'staging', fromVersion: '1.3.0', toVersion: '1.2.0' }],
    ['events/request-url-rollback.json', { outcome: 'rolled_back', level: 'manual' }],
    // A drill rehearses on a healthy sandbox: it restores nothing, so a fault would never clear (it ended rollback_failed (full) before).
    ['events/drill.json', { outcome: 'rolled_back', level: 'stage', drill: true, fromVersion: '1.3.0', toVersion: '1.2.0' }],
    // As the deployed orchestrator answers it: a manual rollback invoked directly cannot say who asks.
    ['events/manual-rollback.json', { outcome: 'rejected', reason: expect.stringContaining('request URL') }],
  ])('--event %s runs through the same local orchestrator', async (file, expected) => {
    const { results, exitCode } = await drill('stage-recovers', { eventFile: file, textRun: false });

    expect(exitCode).toBe(0);
    expect(results[0]).toMatchObject(expected);
  });

  it.each(['null', 'false', '0', '""'])('--event with a file holding %s is rejected as an event, never run as the default scenario', async (body) => {
    const folder = temporaryFolder('events');
    writeFileSync(join(folder, 'odd.json'), body);

    const { results, output } = await drill('stage-recovers', { eventFile: join(folder, 'odd.json'), textRun: false });

    expect(results).toEqual([expect.objectContaining({ outcome: 'rejected', reason: 'event: expected a JSON object' })]);
    expect(output).not.toContain('just deployed');
  });

  it('--event with a malformed event prints the rejection and exits 0; an unreadable file exits 2', async () => {
    const folder = temporaryFolder('events');
    writeFileSync(join(folder, 'bad.json'), JSON.stringify({ action: 'drill', environment: 'production' }));
    const { results, exitCode } = await drill('stage-recovers', { eventFile: join(folder, 'bad.json'), textRun: false });
    const missing: string[] = [];
    const missingCode = await runCli(['drill', '--local', '--event', join(folder, 'nope.json')], { out: () => undefined, err: (text) => missing.push(text), env: { ROLLBACKCTL_HOME: folder }, cwd: process.cwd() });

    expect(exitCode).toBe(0);
    expect(results[0]).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('drill request: requestedBy:') });
    expect(missingCode).toBe(2);
    expect(missing.join('\n')).toContain('cannot read event file');
  });
});

describe('a local drill stopped half-way (Ctrl-C)', () => {
  it('is not in the way of the next: that one starts from a history made afresh and rolls back as the first would have', async () => {
    const first = await drill('stage-recovers', { textRun: false });
    // What Ctrl-C leaves: a claimed run, its claim journaled, a live lease, nobody driving it.
    const active = (await first.store.findRollbackPair(findEnvironment(config, 'production'))).activeDeployment!;
    const claimStep = {
      step: 'claim' as const, at: new Date().toISOString(), runId: 'interrupted-run', outcome: 'info' as const, durationMs: 0, detail: 'claimed',
      facts: { invocationId: 'killed', mode: 'automatic' as const, environment: 'production', fromDeploymentId: active.deploymentId, fromVersion: active.version, toDeploymentId: 'demo-production-1.3.0', toVersion: '1.3.0', reason: 'alarm (interrupted)' },
    };
    const connection = await openHistory({ endpoint: localClientConfig().endpoint, table: first.tableName }, {});
    try {
      const claimed = await connection.history.runs.claim({ observed: active, runId: 'interrupted-run', invocationId: 'killed', mode: 'automatic', trigger: { type: 'alarm' }, leaseSeconds: 900, claimStep });
      expect(claimed.outcome).toBe('claimed');
    } finally {
      await connection.close();
    }

    const next = await drill('stage-recovers', { table: first.tableName, textRun: true });

    expect(next.output).toMatch(/^outcome: rolled_back \(stage\) production 1\.4\.1 -> 1\.3\.0/m);
    expect(next.results[0]).toMatchObject({ outcome: 'rolled_back', level: 'stage', fromVersion: '1.4.1', toVersion: '1.3.0' });
    expect((await next.store.listHistory({ environment: 'production', status: 'rolling_back', limit: 10 })).items).toEqual([]);
  });
});

describe('drill output on an 80 x 24 terminal', () => {
  it('keeps the failing steps and the verdict on the last screen, restores and the reason wrapped whole, every line within the width, the verdict last', async () => {
    const connection = await openHistory({ endpoint: localClientConfig().endpoint, table: (await createTestHistory()).tableName }, {});
    const rows: string[] = [];
    try {
      // As runCli writes it to a colour terminal 80 columns wide; what shows is measured without the colour codes.
      const shown = (text: string) => forTerminal(text, true).replace(/\u001b\[[0-9;]*m/g, '').split('\n');
      await runLocalDrill(connection, config, { scenario: 'stage-fails', compression: TEST_COMPRESSION }, { out: (text) => rows.push(...shown(text)), err: (text) => rows.push(...shown(text)), env: {}, cwd: process.cwd(), columns: 80 });
    } finally {
      await connection.close();
    }
    const lastScreen = rows.slice(-24);

    expect(rows.every((row) => [...row].length <= 80)).toBe(true);
    expect(lastScreen.at(-1)).toMatch(/^outcome: rolled_back \(full\) production /);
    expect(lastScreen.some((row) => row.startsWith('failed:  stage-validation: '))).toBe(true);
    // What a restore moved is wrapped onto lines of its own, never cut: every target's detail is there to the end.
    const restore = rows.slice(rows.findIndex((row) => row.includes('✓ stage-rollback')) + 1, rows.findIndex((row) => row.includes('stage-validation')));
    expect(restore.join(' ').replace(/\s+/g, ' ').trim()).toMatch(/^production: before hook demo-shop-prod-freeze-writes answered ok; alias live: demo-shop-prod-api 21->14, .*; stage DeployProduction rolling back to demo-1\.3\.0 \(sandbox-rollback-production-1\); after hook demo-shop-prod-purge-cache answered ok$/);
    expect(rows.filter((row) => row.includes('staging: alias live') || row.includes('production: already restored at stage level'))).toHaveLength(2);
    // The reason too: wrapped under its label, whole.
    const reasonAt = rows.findIndex((row) => row.startsWith('reason:  '));
    const reasonRows = rows.slice(reasonAt, rows.findIndex((row, index) => index > reasonAt && !row.startsWith('         ')));
    expect(reasonRows.join(' ').replace(/^reason: +/, '').replace(/\s+/g, ' ')).toMatch(/^stage validation failed: .*; full rollback validated: staging, production recovered after \d+ round\(s\): .*$/);
    expect(reasonRows.every((row) => !row.endsWith('…'))).toBe(true);
    // History rows stay one line each: SOURCE and TOOK give way.
    expect(rows.find((row) => row.startsWith('STARTED (UTC)'))).toMatch(/^STARTED \(UTC\) +VERSION +STATUS +DEPLOYMENT +ROLL/);
  });
});

describe('npm start: rollbackctl drill --local', () => {
  // Each command starts its own JVM: the test waits as long as their readiness deadlines allow, not a fixed 30 s.
  const execute = promisify(execFile);

  it('completes from the command line and exits 0; its records stay in the drill\'s own table, out of the local history', async () => {
    const env = { ...process.env, ROLLBACKCTL_HOME: temporaryFolder('rollbackctl-drill') };

    const { stdout } = await execute('node', ['cli/bin.mjs', 'drill', '--local'], { env });
    const history = await execute('node', ['cli/bin.mjs', 'history', '--env', 'production', '--local', '--json'], { env });
    const shown = await execute('node', ['cli/bin.mjs', 'show', 'sandbox-production-1.4.1', '--local', '--json'], { env });
    // The drill's rollback (minutes ahead, in sandbox time) does not close the gate of the local history.
    const gate = await execute('node', ['cli/bin.mjs', 'gate', '--env', 'production', '--local'], { env });

    expect(stdout).toMatch(/^outcome: rolled_back \(stage\) production 1\.4\.1 -> 1\.3\.0/m);
    // Both messages: the start in one line, the outcome in full.
    expect(stdout).toContain('published as the rollback started: production rolling_back (stage) 1.4.1 -> 1.3.0 (warning)');
    expect(stdout).toMatch(/notification that would be published to SNS:\n {2}Subject: {4}production rolled_back \(stage\) 1\.4\.1 -> 1\.3\.0/);
    // Sandbox records never sit among (or above) what `record --local` wrote: the drill's table holds them, `show --local` finds them there.
    expect(JSON.parse(history.stdout).items).toEqual([]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ deploymentId: 'sandbox-production-1.4.1', status: 'rolled_back' });
    expect(gate.stdout).toMatch(/^open: production is settled/);
  }, JVM_STARTS_TIMEOUT_MS(4));

  it('gives the same outcome ten times in one local home, whatever the drills between did (observe, cooldown)', async () => {
    const env = { ROLLBACKCTL_HOME: temporaryFolder('rollbackctl-ten') };
    const outcomes: string[] = [];
    // observe leaves its bad release running, cooldown leaves a fresh rollback: before, the next drills rolled back 1.4.N -> 1.4.N-1 or were skipped.
    for (const scenario of ['stage-recovers', 'observe', 'stage-recovers', 'cooldown', ...Array<string>(8).fill('stage-recovers')]) {
      const out: string[] = [];
      const code = await runCli(['drill', '--local', '--scenario', scenario], { out: (text) => out.push(text), err: () => undefined, env, cwd: process.cwd() });
      if (scenario === 'stage-recovers') outcomes.push(`${code} ${/^outcome: .*? -> \S+/m.exec(out.join('\n'))?.[0]}`);
    }
    expect(outcomes).toEqual(Array(10).fill('0 outcome: rolled_back (stage) production 1.4.1 -> 1.3.0'));
  }, JVM_STARTS_TIMEOUT_MS(12));
});

describe('drill and rollback against AWS (aws-sdk-client-mock, the request URL on 127.0.0.1)', () => {
  const cloudFormationMock = mockClient(CloudFormationClient);
  const deployedResult: RollbackRunResult = { outcome: 'rolled_back', level: 'manual', drill: false, environment: 'production', fromVersion: '1.4.0', toVersion: '1.3.0', timeline: [], durationMs: 4200 };
  let requestUrl: Awaited<ReturnType<typeof startRequestUrlServer>>;

  async function cli(args: string[], io: { confirm?: (question: string) => Promise<boolean>; env?: NodeJS.ProcessEnv } = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const exitCode = await runCli(args, { out: (text) => out.push(text), err: (text) => err.push(text), env: { ROLLBACK_REQUESTED_BY: 'ana' }, cwd: process.cwd(), ...io });
    return { exitCode, stdout: out.join('\n'), stderr: err.join('\n') };
  }
  /** What reached the request URL: each request's body, and whether its SigV4 signature holds for Lambda in eu-west-1. */
  const sentRequests = () => requestUrl.received.map((request) => ({ method: request.method, signed: request.signatureValid, scope: request.scope, body: request.body }));
  const answering = (result: RollbackRunResult, status = 200) => requestUrl.answerWith(() => ({ status, body: JSON.stringify(result) }));

  const stsMock = mockClient(STSClient);
  beforeAll(async () => {
    requestUrl = await startRequestUrlServer();
  });
  afterAll(async () => {
    await requestUrl.close();
    vi.unstubAllEnvs();
  });
  beforeEach(() => {
    // The CLI signs with the SDK's default chain: here, the environment.
    vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    requestUrl.received.splice(0);
    cloudFormationMock.reset();
    stsMock.reset();
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ana', UserId: 'AIDA' });
    cloudFormationMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'rollback-controller-demo-shop', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'RequestUrl', OutputValue: requestUrl.url }] }] });
    answering(deployedResult);
  });

  it('drill --env asks the deployed orchestrator through its request URL, found in the stack outputs, signed with SigV4 for Lambda', async () => {
    const result = await cli(['drill', '--env', 'production', '--region', 'eu-west-1', '--json']);

    expect(result.exitCode).toBe(0);
    expect(cloudFormationMock.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({ StackName: 'rollback-controller-demo-shop' });
    expect(sentRequests()).toEqual([
      { method: 'POST', signed: true, scope: 'lambda eu-west-1', body: { action: 'drill', environment: 'production', requestedBy: 'ana', requestId: expect.stringMatching(/^drill-[0-9a-f-]{36}$/) } },
    ]);
    expect(JSON.parse(result.stdout)).toEqual({ schemaVersion: 1, runs: [deployedResult] });
  });

  it('doctor checks Java, the configuration, credentials and region, the table and the orchestrator, one line each, and exits 0 when all pass', async () => {
    const { tableName } = await createTestHistory();

    const healthy = await cli(['doctor', '--endpoint', localClientConfig().endpoint, '--table', tableName, '--region', 'eu-west-1']);
    const noTable = await cli(['doctor', '--endpoint', localClientConfig().endpoint, '--table', 'no-such-table', '--region', 'eu-west-1', '--json']);

    expect(healthy.exitCode).toBe(0);
    expect(healthy.stdout.split('\n')).toEqual([
      expect.stringMatching(/^✓ java {10}\S/),
      `✓ configuration ${join(process.cwd(), 'rollback.config.json')} (the nearest in this folder or above): application demo-shop, 3 environment(s)`,
      '✓ credentials   arn:aws:iam::123456789012:user/ana (account 123456789012) in eu-west-1',
      `✓ table         ${tableName} answers (no deployment recorded yet)`,
      `✓ orchestrator  request URL ${requestUrl.url} (stack rollback-controller-demo-shop)`,
      'all checks passed',
    ]);
    expect(cloudFormationMock.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input)).toEqual([{ StackName: 'rollback-controller-demo-shop' }, { StackName: 'rollback-controller-demo-shop' }]);
    expect(noTable.exitCode).toBe(1);
    expect(JSON.parse(noTable.stdout)).toMatchObject({ schemaVersion: 1, ok: false, checks: expect.arrayContaining([{ name: 'table', state: 'failed', detail: expect.stringMatching(/^no-such-table: /) }]) });
  });

  it('doctor --local without Java says so and does not start the local history', async () => {
    const result = await cli(['doctor', '--local'], { env: { PATH: temporaryFolder('no-java'), ROLLBACKCTL_HOME: temporaryFolder('doctor-home') } });

    expect(result.exitCode).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      '✗ java          "java" is not on the PATH: install Java 17 or newer, e.g. apt-get install openjdk-17-jre-headless',
      expect.stringMatching(/^✓ configuration /),
      '– local history needs Java',
      '1 check(s) failed: see above',
    ]);
  });

  it('takes the region from AWS_DEFAULT_REGION, as the AWS CLI does, when neither --region nor AWS_REGION is set', async () => {
    const result = await cli(['drill', '--env', 'production', '--json'], { env: { ROLLBACK_REQUESTED_BY: 'ana', AWS_DEFAULT_REGION: 'eu-west-1' } });

    expect(result.exitCode).toBe(0);
    expect(sentRequests()).toEqual([expect.objectContaining({ signed: true, scope: 'lambda eu-west-1' })]);
  });

  it('rollback --yes sends a manual rollback request to the named version, and exits 0 when it rolled back', async () => {
    const result = await cli(['rollback', '--env', 'production', '--to', '1.3.0', '--reason', 'checkout broken', '--yes', '--url', requestUrl.url, '--region', 'eu-west-1']);

    expect(result.exitCode).toBe(0);
    expect(cloudFormationMock.calls()).toHaveLength(0);
    expect(sentRequests()).toEqual([
      { method: 'POST', signed: true, scope: 'lambda eu-west-1', body: { action: 'rollback', environment: 'production', targetVersion: '1.3.0', reason: 'checkout broken', requestedBy: 'ana', requestId: expect.stringMatching(/^manual-/) } },
    ]);
    expect(result.stdout).toMatch(/^outcome: rolled_back \(manual\) production 1\.4\.0 -> 1\.3\.0/m);
  });

  it('rollback answered 403 by the orchestrator (force refused) exits 2 with its reason; refused by Lambda itself, names the policy to attach', async () => {
    answering({ outcome: 'rejected', reason: 'force (rolling back past irreversible deployments) is allowed only to the principals policy.forcePrincipals names (none are); arn:aws:iam::123456789012:user/ana is not one', drill: false, timeline: [], durationMs: 0 }, 403);
    const refused = await cli(['rollback', '--env', 'production', '--reason', 'migration is fine', '--force', '--yes', '--url', requestUrl.url, '--region', 'eu-west-1']);
    requestUrl.answerWith(() => ({ status: 403, body: '{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}' }));
    const denied = await cli(['rollback', '--env', 'production', '--reason', 'checkout broken', '--yes', '--url', requestUrl.url, '--region', 'eu-west-1']);

    expect(refused.exitCode).toBe(2);
    expect(refused.stdout).toContain('policy.forcePrincipals');
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toContain("the request URL refused these credentials (403: {\"Message\":\"Forbidden.");
    expect(denied.stderr).toContain("attach the stack's RequesterPolicyArn output to your role");
  });

  it('refuses a request URL that is not https (or this machine), before signing anything', async () => {
    const result = await cli(['rollback', '--env', 'production', '--reason', 'checkout broken', '--yes', '--url', 'http://orchestrator.example.com/', '--region', 'eu-west-1']);

    expect(result).toMatchObject({ exitCode: 2, stderr: 'rollbackctl: invalid request URL "http://orchestrator.example.com/": it must be https' });
    expect(requestUrl.received).toHaveLength(0);
  });

  it('record --status failed --rollback for a deployment already recorded succeeded says what it holds, asks nothing and exits 2', async () => {
    const { tableName } = await createTestHistory();
    const table = ['--endpoint', localClientConfig().endpoint, '--table', tableName, '--region', 'eu-west-1'];
    const points = ['--lambda', 'demo-shop-prod-api=43', '--lambda', 'demo-shop-prod-worker=18', '--pipeline-execution', 'exec-9', '--release', '1.5.0'];
    await cli([...table, 'record', '--env', 'production', '--version', '1.5.0', '--status', 'succeeded', '--id', 'ci-9', ...points]);

    const result = await cli([...table, 'record', '--env', 'production', '--version', '1.5.0', '--status', 'failed', '--id', 'ci-9', '--rollback', '--url', requestUrl.url]);

    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('rollbackctl: ci-9 is recorded succeeded, not failed (it was already; nothing changed): no rollback asked for. To roll it back anyway: rollbackctl rollback --env production --reason "…"');
    expect(requestUrl.received).toHaveLength(0);
  });

  it.each(['gitlab/77', 'ci@77', `build-${'x'.repeat(90)}`])('record --status failed --id %s --rollback sends a request id the orchestrator accepts, and exits 2 when it is rejected', async (id) => {
    const { tableName } = await createTestHistory();
    const table = ['--endpoint', localClientConfig().endpoint, '--table', tableName, '--region', 'eu-west-1'];
    const rejected: RollbackRunResult = { outcome: 'rejected', reason: 'deploy failure request: environment: must name the environment', drill: false, timeline: [], durationMs: 3 };

    const accepted = await cli([...table, 'record', '--env', 'production', '--version', '1.5.0', '--status', 'failed', '--id', id, '--lambda', 'demo-shop-prod-api=43', '--rollback', '--url', requestUrl.url]);
    answering(rejected);
    const refused = await cli([...table, 'record', '--env', 'production', '--version', '1.5.0', '--status', 'failed', '--id', id, '--lambda', 'demo-shop-prod-api=43', '--rollback', '--url', requestUrl.url]);

    const requestId = sentRequests()[0]!.body.requestId as string;
    expect(deployFailureRequestSchema.shape.requestId.safeParse(requestId).success).toBe(true);
    expect(sentRequests()[1]!.body.requestId).toBe(requestId);
    expect(accepted.exitCode).toBe(0);
    expect(refused.exitCode).toBe(2);
  });

  it('record --status failed --rollback records the failed deploy, then asks the deployed orchestrator to roll it back', async () => {
    const { tableName } = await createTestHistory();
    const table = ['--endpoint', localClientConfig().endpoint, '--table', tableName, '--region', 'eu-west-1'];

    const result = await cli([...table, 'record', '--env', 'production', '--version', '1.5.0', '--status', 'failed', '--id', 'gha-77', '--lambda', 'demo-shop-prod-api=43', '--lambda', 'demo-shop-prod-worker=18', '--rollback', '--url', requestUrl.url]);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^recorded gha-77: production 1\.5\.0 failed; asking 127\.0\.0\.1:\d+ to roll it back…$/m);
    expect(sentRequests()).toEqual([
      { method: 'POST', signed: true, scope: 'lambda eu-west-1', body: { action: 'deploy_failed', environment: 'production', deploymentId: 'gha-77', requestedBy: 'ana', requestId: 'deploy-failed-gha-77' } },
    ]);
  });

  it('rollback --force asks knowing it goes past irreversible deployments, and sends force', async () => {
    const questions: string[] = [];

    const result = await cli(['rollback', '--env', 'production', '--reason', 'migration is backward compatible', '--force', '--url', requestUrl.url, '--region', 'eu-west-1'], { confirm: async (question) => (questions.push(question), true) });

    expect(result.exitCode).toBe(0);
    expect(questions).toEqual([
      `Roll production back to its last known-good version (pass --table or set ROLLBACK_TABLE to see the versions), past any deployment recorded irreversible (their changes stay) in account 123456789012, eu-west-1, through ${new URL(requestUrl.url).host}? This changes live traffic. [y/N] `,
    ]);
    expect(sentRequests()[0]?.body).toMatchObject({ action: 'rollback', environment: 'production', force: true });
  });

  it('rollback asks first, and sends nothing when the answer is no', async () => {
    const questions: string[] = [];

    const { tableName } = await createTestHistory();
    const table = ['--endpoint', localClientConfig().endpoint, '--table', tableName];
    // Every target production restores has its restore point: only such a deployment is a known good.
    const points = (version: string, number: number) => ['--lambda', `demo-shop-prod-api=${number}`, '--lambda', `demo-shop-prod-worker=${number}`, '--pipeline-execution', `exec-${version}`, '--release', version];
    await cli(['record', '--env', 'production', '--version', '1.3.0', '--status', 'succeeded', '--id', 'p-130', ...points('1.3.0', 41), ...table]);
    await cli(['record', '--env', 'production', '--version', '1.4.0', '--status', 'succeeded', '--id', 'p-140', ...points('1.4.0', 42), ...table]);

    const result = await cli(['rollback', '--env', 'production', '--reason', 'checkout broken', '--region', 'eu-west-1', ...table], { confirm: async (question) => (questions.push(question), false) });

    // Resolved before asking: the request URL (stack output), the account and region, the versions.
    expect(questions).toEqual([`Roll production back from 1.4.0 (p-140) to 1.3.0 (p-130) in account 123456789012, eu-west-1, through ${new URL(requestUrl.url).host}? This changes live traffic. [y/N] `]);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'not rolled back: nothing was sent' });
    expect(requestUrl.received).toHaveLength(0);
  });

  it('refuses rollback --local and --scenario with --event, naming what to do instead', async () => {
    expect(await cli(['--local', 'rollback', '--env', 'production', '--reason', 'broken', '--yes'])).toMatchObject({
      exitCode: 2,
      stderr: 'rollbackctl: rollback acts through the deployed orchestrator, and --local has none: rehearse it with rollbackctl drill --local',
    });
    expect(await cli(['drill', '--local', '--scenario', 'stage-fails', '--event', 'events/drill.json'])).toMatchObject({
      exitCode: 2,
      stderr: 'rollbackctl: --scenario and --event each choose what the local drill runs: give one of them',
    });
    expect(requestUrl.received).toHaveLength(0);
  });

  it('a remote drill that finds a problem exits 1, so the job that ran it fails', async () => {
    answering({ ...deployedResult, outcome: 'rollback_failed', drill: true });

    const result = await cli(['drill', '--env', 'production', '--region', 'eu-west-1']);

    expect(result.exitCode).toBe(1);
    expect(result.stdout.split('\n').at(-1)).toMatch(/^reason:|^outcome: rollback_failed/);
  });

  it('exits non-zero when the deployed rollback failed', async () => {
    answering({ ...deployedResult, outcome: 'rollback_failed' });

    expect((await cli(['rollback', '--env', 'production', '--reason', 'broken', '--yes', '--region', 'eu-west-1'])).exitCode).toBe(1);
  });

  it.each([
    [['rollback', '--env', 'production', '--reason', 'broken'], 2, 'refusing to roll back without confirmation: not an interactive terminal, so add --yes'],
    [['rollback', '--env', 'qa', '--reason', 'broken', '--yes'], 2, 'unknown environment "qa"'],
    [['rollback', '--env', 'production', '--yes'], 2, "required option '--reason <text>' not specified"],
    [['rollback', '--env', 'production', '--reason', 'x', '--yes'], 2, '--reason must say why'],
    [['drill', '--region', 'eu-west-1'], 2, 'a drill against AWS needs --env ENVIRONMENT'],
    [['drill', '--env', 'production', '--event', 'events/drill.json'], 2, '--event runs an event through the local orchestrator: add --local'],
    [['drill', '--local', '--scenario', 'meteor'], 2, "option '--scenario <name>' argument 'meteor' is invalid"],
    [['record', '--env', 'production', '--version', '1.5.0', '--status', 'succeeded', '--rollback'], 2, '--rollback goes with --status failed'],
    [['record', '--env', 'staging', '--version', '1.5.0', '--status', 'failed', '--rollback'], 2, 'staging does not roll back failed deploys'],
    [['--local', 'record', '--env', 'production', '--version', '1.5.0', '--status', 'failed', '--rollback'], 2, 'rehearse it locally with: rollbackctl drill --local --scenario deploy-failure'],
  ])('rejects %j with a clear message, invoking nothing', async (args, code, message) => {
    const result = await cli(args);

    expect(result.exitCode).toBe(code);
    expect(result.stderr).toContain(message);
    expect(requestUrl.received).toHaveLength(0);
  });

  it('names the stack and what to do when it is not deployed', async () => {
    cloudFormationMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id rollback-controller-demo-shop does not exist'), { name: 'ValidationError' }));

    const result = await cli(['drill', '--env', 'production', '--region', 'eu-west-1']);

    expect(result).toMatchObject({ exitCode: 2, stderr: 'rollbackctl: stack rollback-controller-demo-shop not found in eu-west-1: deploy it (npx cdk deploy), pass --stack NAME, or pass --url URL' });
  });

  it.each<[string, Error & { name: string }, string]>([
    ['no region', Object.assign(new Error('Region is missing'), { name: 'Error' }), 'no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or give your profile a region'],
    ['an expired token', Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' }), 'your AWS credentials have expired (The security token included in the request is expired); log in again (e.g. aws sso login) and retry'],
    ['access denied', Object.assign(new Error('User: arn:aws:iam::1:user/ci is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' }), 'AWS denied the request (User: arn:aws:iam::1:user/ci is not authorized to perform: cloudformation:DescribeStacks); README "Security" lists the IAM each command needs'],
    ['throttling', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), 'AWS is throttling requests (ThrottlingException); nothing was left half-done: retry in a minute'],
    ['anything else', Object.assign(new Error('socket hang up\n    at Socket.<anonymous>'), { name: 'SomethingNew' }), 'unexpected failure: SomethingNew: socket hang up (run with --debug for details)'],
  ])('says in one line what to do about %s, exit 1, no stack trace', async (_, error, line) => {
    cloudFormationMock.on(DescribeStacksCommand).rejects(error);

    const result = await cli(['drill', '--env', 'production', '--region', 'eu-west-1']);

    expect(result).toEqual({ exitCode: 1, stdout: '', stderr: `rollbackctl: ${line}` });
  });

  it('prints the whole error with --debug', async () => {
    cloudFormationMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'SomethingNew' }));

    const result = await cli(['--debug', 'drill', '--env', 'production', '--region', 'eu-west-1']);

    expect(result.stderr).toMatch(/^rollbackctl: unexpected failure: SomethingNew: socket hang up \(run with --debug for details\)\nSomethingNew: socket hang up\n\s+at /);
  });

  it('says plainly when there are no AWS credentials, without a stack trace', async () => {
    cloudFormationMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

    const result = await cli(['drill', '--env', 'production', '--region', 'eu-west-1']);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('rollbackctl: no usable AWS credentials (Could not load credentials from any providers); configure a profile (--profile) or use --local');
  });
});
