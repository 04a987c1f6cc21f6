/**
 * `npm run bench`: the controller's performance budgets, measured (never asserted in the test suite).
 *   1. critical path to restore   2. alarm storm   3. history at scale   4. cold start   5. time to verdict
 *   6. time from a stage restore that did not help to the full rollback (sandbox time)
 * Needs only Node and Java (DynamoDB Local). Prints tables and a budget summary; see BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { bundleFunction } from '../../infra/function-bundling';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { loadConfig } from '../../shared/config';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { dynamoHistory, type HistoryPorts } from '../../shared/history/dynamo-history';
import { ensureHistoryTable } from '../../shared/history/history-table-setup';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../shared/local/dynamodb-local';
import { runRollback, type RollbackDependencies } from '../../shared/rollback/rollback-runner';
import type { TargetDrivers } from '../../shared/targets/target-drivers';
import { ManualClock, systemClock } from '../../shared/time/clock';
import { validateRollback } from '../../shared/validation/validate-rollback';
import { validationRequestSchema } from '../../shared/validation/validation-contract';
import { measure, printTable, type Measurement } from './bench-harness';
import { recordCompletedDeployment, seedDemoHistory, demoRestorePoints } from '../../cli/local-drill/demo-history';
import { sandboxCheckPorts, sandboxTargetDrivers, RecordingNotifier } from '../../shared/sandbox/sandbox-adapters';
import { SandboxClock } from '../../shared/sandbox/sandbox-clock';
import { SandboxWorld } from '../../shared/sandbox/sandbox-world';
import { answerValidationRequest } from '../../shared/validation/validate-rollback';
import type { RollbackConfig } from '../../shared/config';

const config = loadConfig('rollback.config.json');
const budgets: { budget: string; measured: string; met: boolean }[] = [];
const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]! * 100) / 100;
}

async function freshStore(dynamoDbLocal: RunningDynamoDbLocal, client: DynamoDBDocumentClient) {
  const tableName = `bench-${randomUUID()}`;
  const raw = new DynamoDBClient(dynamoDbLocal.clientConfig);
  await ensureHistoryTable(raw, tableName);
  raw.destroy();
  return { tableName, store: dynamoHistory({ client, tableName, clock: systemClock }) };
}

/** Production with `count` deployments a minute apart (every 7th failed), written 25 per batch. */
async function seedProduction(client: DynamoDBDocumentClient, tableName: string, count: number): Promise<void> {
  const start = Date.parse('2025-01-01T00:00:00.000Z');
  const pending: Promise<unknown>[] = [];
  for (let offset = 0; offset < count; offset += 25) {
    const batch = Array.from({ length: Math.min(25, count - offset) }, (_, step) => {
      const index = offset + step;
      const at = new Date(start + index * 60_000).toISOString();
      const Item: DeploymentRecord = {
        deploymentId: `bench-${index}`, kind: 'deployment', environment: 'production', version: `1.0.${index}`,
        status: index % 7 === 3 ? 'failed' : 'succeeded', startedAt: at, finishedAt: at, updatedAt: at, source: 'bench',
        restorePoints: { 'lambda-alias': { versions: { 'demo-shop-prod-api': String(index + 1), 'demo-shop-prod-worker': String(index + 1) } } },
      };
      return { PutRequest: { Item } };
    });
    pending.push(client.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } })));
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

/** Every DynamoDB call the store makes, with its start and end, to count what stands before the alias update. */
function recordingClient(client: DynamoDBDocumentClient, calls: { name: string; start: number; end: number }[]): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: { constructor: { name: string } }) => {
        const call = { name: command.constructor.name.replace('Command', ''), start: performance.now(), end: Number.NaN };
        calls.push(call);
        try {
          return await target.send(command as never);
        } finally {
          call.end = performance.now();
        }
      };
    },
  });
}

/** Calls that overlap in time ran in parallel: the number of disjoint groups is the sequential depth. */
function sequentialDepth(calls: readonly { start: number; end: number }[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let depth = 0;
  let groupEnd = -Infinity;
  for (const call of sorted) {
    if (call.start >= groupEnd) depth += 1;
    groupEnd = Math.max(groupEnd, call.end);
  }
  return depth;
}

/** Target drivers that only count: every restore of the alias (the first traffic-restoring call) is told to `onAliasRestore`. */
function countingDrivers(onAliasRestore: () => void): TargetDrivers {
  return {
    driverFor: (type) => ({
      restore: async () => {
        if (type === 'lambda-alias') onAliasRestore();
        return { outcome: 'restored', detail: '' };
      },
      check: async () => ({ passed: true, detail: '' }),
      capture: async () => ({}),
    }),
  };
}

function dependencies(store: HistoryPorts, targets: TargetDrivers): RollbackDependencies {
  return {
    config,
    history: store,
    targets,
    validator: { validate: async () => ({ success: true, timestamp: new Date().toISOString(), checks: [], rounds: 3, durationMs: 0 }) },
    notifier: { notify: async () => 'published' as const },
    clock: systemClock,
    logger: quietLogger,
    remainingTimeMs: () => 900_000,
  };
}

/** One delivery of the production alarm; deliveries of one storm share the moment it fired. */
function alarm(id: string, firedAt = new Date()) {
  const event = JSON.parse(readFileSync('events/alarm-production.json', 'utf8')) as Record<string, unknown>;
  (event.detail as { state: { timestamp: string } }).state.timestamp = firedAt.toISOString();
  return { ...event, id };
}

async function criticalPath(dynamoDbLocal: RunningDynamoDbLocal): Promise<void> {
  const depths: number[] = [];
  const times: number[] = [];
  const names = new Set<string>();
  for (let run = 0; run < 30; run += 1) {
    const calls: { name: string; start: number; end: number }[] = [];
    const client = recordingClient(createDocumentClient(dynamoDbLocal.clientConfig), calls);
    const { tableName, store } = await freshStore(dynamoDbLocal, client);
    await seedProduction(client, tableName, 20);
    calls.length = 0;
    let restoreAt = Number.NaN;
    const target = countingDrivers(() => (restoreAt = Number.isNaN(restoreAt) ? performance.now() : restoreAt));
    const started = performance.now();
    await runRollback(alarm(randomUUID()), 'bench', dependencies(store, target));
    const before = calls.filter((call) => call.start < restoreAt);
    before.forEach((call) => names.add(call.name));
    depths.push(sequentialDepth(before));
    times.push(restoreAt - started);
  }
  const depth = Math.max(...depths);
  console.log(`\n1. Critical path: event received -> first traffic-restoring call (30 runs, DynamoDB Local)`);
  console.table([{ 'sequential calls before alias update (max)': depth, calls: [...names].join(', '), 'p50 ms': percentile(times, 0.5), 'p99 ms': percentile(times, 0.99) }]);
  budgets.push({ budget: 'sequential AWS calls before the alias update <= 2', measured: `${depth}`, met: depth <= 2 });
}

async function storm(dynamoDbLocal: RunningDynamoDbLocal): Promise<void> {
  const client = createDocumentClient({ ...dynamoDbLocal.clientConfig, maxAttempts: 10 });
  const { tableName, store } = await freshStore(dynamoDbLocal, client);
  await seedProduction(client, tableName, 20);
  let restores = 0;
  const target = countingDrivers(() => (restores += 1));
  const deps = dependencies(store, target);
  const firedAt = new Date();
  const results = await Promise.all(
    Array.from({ length: 1_000 }, async () => {
      const started = performance.now();
      const result = await runRollback(alarm(randomUUID(), firedAt), 'bench', deps);
      return { outcome: result.outcome, ms: performance.now() - started };
    }),
  );
  const duplicates = results.filter((result) => result.outcome === 'duplicate').map((result) => result.ms);
  const rolledBack = results.filter((result) => result.outcome === 'rolled_back').length;
  console.log('\n2. Alarm storm: 1,000 concurrent alarm deliveries for one deployment (DynamoDB Local, one process)');
  console.table([{ rolled_back: rolledBack, duplicate: duplicates.length, other: results.length - rolledBack - duplicates.length, restores, 'duplicate p50 ms': percentile(duplicates, 0.5), 'duplicate p99 ms': percentile(duplicates, 0.99) }]);
  budgets.push({ budget: '1,000 concurrent events -> exactly 1 rollback', measured: `${rolledBack} rollback, ${restores} restore call(s)`, met: rolledBack === 1 && restores === 1 });
  budgets.push({ budget: 'duplicate answer p99 < 50 ms (all 1,000 in flight at once)', measured: `${percentile(duplicates, 0.99)} ms`, met: percentile(duplicates, 0.99) < 50 });

  // The same storm as Lambda sees it: each delivery in its own container. One Node process and one
  // DynamoDB Local JVM share this machine's 2 cores, so the storm is replayed at fixed concurrency.
  const rows: Record<string, unknown>[] = [];
  for (const concurrency of [1, 5, 20]) {
    const paced: number[] = [];
    const pacedStore = await freshStore(dynamoDbLocal, client);
    await seedProduction(client, pacedStore.tableName, 20);
    const pacedDeps = dependencies(pacedStore.store, target);
    const pacedFiredAt = new Date();
    const queue = Array.from({ length: 1_000 }, () => randomUUID());
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let id = queue.pop(); id; id = queue.pop()) {
          const started = performance.now();
          const result = await runRollback(alarm(id, pacedFiredAt), 'bench', pacedDeps);
          if (result.outcome === 'duplicate') paced.push(performance.now() - started);
        }
      }),
    );
    rows.push({ concurrency, duplicate: paced.length, 'duplicate p50 ms': percentile(paced, 0.5), 'duplicate p99 ms': percentile(paced, 0.99) });
    budgets.push({ budget: `duplicate answer p99 < 50 ms (1,000 events at concurrency ${concurrency})`, measured: `${percentile(paced, 0.99)} ms`, met: percentile(paced, 0.99) < 50 });
  }
  console.table(rows);
}

async function historyAtScale(dynamoDbLocal: RunningDynamoDbLocal): Promise<void> {
  const rows: Measurement[] = [];
  const sizes = [1_000, 10_000, 50_000];
  for (const size of sizes) {
    const client = createDocumentClient({ ...dynamoDbLocal.clientConfig, maxAttempts: 10 });
    const { tableName, store } = await freshStore(dynamoDbLocal, client);
    const seeded = performance.now();
    await seedProduction(client, tableName, size);
    console.log(`   seeded ${size} deployments in ${Math.round(performance.now() - seeded)} ms`);
    rows.push(await measure(`active + last known good @ ${size}`, 200, () => store.deployments.findRollbackPair('production')));
    rows.push(await measure(`history --limit 20 @ ${size}`, 200, () => store.deployments.listHistory({ environment: 'production', limit: 20 })));
  }
  printTable('3. History at scale (sequential calls, DynamoDB Local)', rows);
  const p50 = (name: string) => rows.find((row) => row.name === name)!.p50Ms;
  for (const operation of ['active + last known good', 'history --limit 20']) {
    const ratio = p50(`${operation} @ 50000`) / p50(`${operation} @ 1000`);
    budgets.push({ budget: `${operation}: time at 50k <= 1.5 x time at 1k`, measured: `${ratio.toFixed(2)} x`, met: ratio <= 1.5 });
  }
}

async function coldStart(): Promise<void> {
  const folder = resolve('dist/bench');
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'floor-handler.ts'),
    "import middy from '@middy/core';\nimport { Logger } from '@aws-lambda-powertools/logger';\nimport { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';\nconst logger = new Logger({ serviceName: 'floor' });\nexport const handler = middy().use(injectLambdaContext(logger)).handler(async () => ({ ok: true }));\n",
  );
  const entries: Record<string, string> = {
    floor: join(folder, 'floor-handler.ts'),
    orchestrator: 'functions/orchestrator/handler.ts',
    validator: 'functions/validator/handler.ts',
    recorder: 'functions/recorder/handler.ts',
  };
  const rows: Record<string, unknown>[] = [];
  const env = { ...process.env, HISTORY_TABLE_NAME: 'bench', VALIDATOR_FUNCTION_NAME: 'bench', RESULT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:bench', FAILED_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench', AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const inits: Record<string, number> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const outfile = join(folder, `${name}.mjs`);
    await bundleFunction({ entry, outfile, config, sourcemap: false });
    const size = readFileSync(outfile).length;
    const samples = Array.from({ length: 15 }, () =>
      Number(execFileSync('node', ['--input-type=module', '-e', `const t = performance.now(); const m = await import(${JSON.stringify(outfile)}); if (typeof m.handler !== 'function') throw new Error('no handler'); console.log(performance.now() - t);`], { env }).toString().trim()),
    );
    inits[name] = percentile(samples, 0.5);
    rows.push({ function: name, 'bundle KB (minified)': Math.round(size / 1024), 'init p50 ms': inits[name], 'init max ms': percentile(samples, 1) });
  }
  for (const row of rows) row['x floor'] = Math.round(((row['init p50 ms'] as number) / inits.floor!) * 100) / 100;
  console.log('\n4. Cold start: import the bundle and build the handler in a fresh Node process (15 runs each; AWS SDK resolved from node_modules, as the runtime provides it)');
  console.table(rows);
  const orchestrator = rows.find((row) => row.function === 'orchestrator')!;
  budgets.push({ budget: 'orchestrator bundle <= 400 KB minified', measured: `${orchestrator['bundle KB (minified)']} KB`, met: (orchestrator['bundle KB (minified)'] as number) <= 400 });
  budgets.push({ budget: 'orchestrator init <= 150 ms', measured: `${orchestrator['init p50 ms']} ms (floor ${inits.floor} ms)`, met: (orchestrator['init p50 ms'] as number) <= 150 });
}

async function timeToVerdict(): Promise<void> {
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const request = validationRequestSchema.parse({ environments: [{ name: 'production', alarmPrefixes: ['demo-shop-prod-'] }], budgetMs: 300_000, pollIntervalMs: config.policy.validation.pollIntervalSeconds * 1_000, consecutivePasses: config.policy.validation.consecutivePasses });
  const healthy = { readAlarms: async () => [{ name: 'demo-shop-prod-api-5xx', type: 'metric' as const, state: 'OK' as const, reason: '' }] };
  const result = await validateRollback(request, {
    ports: { alarms: healthy, health: { probe: async () => ({ url: '' }) }, targets: countingDrivers(() => undefined) },
    clock,
    sleep: async (milliseconds) => clock.advance(milliseconds),
    remainingTimeMs: () => 900_000,
  });
  console.log('\n5. Time to verdict: validator on an environment healthy at once (fake clock)');
  console.table([{ rounds: result.rounds, 'verdict after s': result.durationMs / 1_000, 'fixed stabilisation wait s': 60, 'saved s': 60 - result.durationMs / 1_000 }]);
  budgets.push({ budget: `verdict after exactly ${config.policy.validation.consecutivePasses} rounds`, measured: `${result.rounds} rounds, ${result.durationMs / 1_000} s`, met: result.success && result.rounds === config.policy.validation.consecutivePasses });
}

/**
 * A release in staging and production breaks production through a dependency staging shares, so the
 * stage restore of production cannot help; the alarm is 60 s x 3 of 3 and no health check gives
 * earlier evidence. Measured in sandbox time: from the end of the stage restore to the start of the
 * full rollback — with the alarm's recovery window read (early verdict), and, as the anchor in the
 * same run, with it unknown (the validator waits out its budget, as the first release always did).
 */
async function timeToFullRollback(dynamoDbLocal: RunningDynamoDbLocal, client: DynamoDBDocumentClient): Promise<void> {
  const alarmOnly: RollbackConfig = { ...config, environments: config.environments.map((environment) => ({ ...environment, healthChecks: [] })) };
  const run = async (knowsWindow: boolean) => {
    const { tableName } = await freshStore(dynamoDbLocal, client);
    const clock = new SandboxClock(new Date(), 20_000);
    // The history on sandbox time: leases and guards see the same clock as the validator.
    const store = dynamoHistory({ client, tableName, clock });
    await seedDemoHistory(store.deployments, alarmOnly, new Date(Date.now() - 3_600_000));
    const world = new SandboxWorld({ badVersions: ['1.4.1'], contagiousVersions: ['1.4.1'], recoveryMs: 130_000, alarmShape: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 } }, clock);
    for (const name of ['staging', 'production']) {
      const environment = alarmOnly.environments.find((candidate) => candidate.name === name)!;
      const deployment = { deploymentId: `bench-${name}-1.4.1`, environment: name, version: '1.4.1', status: 'succeeded' as const, source: 'bench', at: new Date(clock.now().getTime() - 600_000), restorePoints: demoRestorePoints(environment, { version: '1.4.1', number: 21 }) };
      await recordCompletedDeployment(store.deployments, deployment);
    }
    for (const environment of alarmOnly.environments) {
      const active = (await store.deployments.findRollbackPair(environment.name)).activeDeployment;
      if (active) world.deploy(environment, active);
    }
    const ports = sandboxCheckPorts(world);
    const alarms = knowsWindow ? ports.alarms : { readAlarms: async (selection: Parameters<typeof ports.alarms.readAlarms>[0]) => (await ports.alarms.readAlarms(selection)).map(({ recoveryWindowMs: _window, shape: _shape, ...alarm }) => alarm) };
    const result = await runRollback(alarm(randomUUID(), clock.now()), 'bench', {
      config: alarmOnly,
      history: store,
      targets: sandboxTargetDrivers(world),
      validator: { validate: (request) => answerValidationRequest(request, { ports: { ...ports, alarms }, clock, sleep: (ms) => clock.sleep(ms), remainingTimeMs: () => 900_000 }) },
      notifier: new RecordingNotifier(),
      clock,
      logger: quietLogger,
      remainingTimeMs: () => 900_000,
    });
    const restore = result.timeline.find((step) => step.step === 'stage-rollback')!;
    const fullScope = result.timeline.find((step) => step.step === 'full-scope');
    const validation = result.timeline.find((step) => step.step === 'stage-validation');
    const seconds = fullScope ? (Date.parse(fullScope.at) - (Date.parse(restore.at) + restore.durationMs)) / 1_000 : Number.NaN;
    return { seconds: Math.round(seconds), outcome: `${result.outcome} (${result.level})`, concludedBy: validation?.step === 'stage-validation' ? (validation.facts.concludedBy ?? '?') : '?' };
  };
  const early = await run(true);
  const anchor = await run(false);
  console.log('\n6. Time from a stage restore that did not help to the full rollback: 60 s x 3-of-3 alarm, no health checks (sandbox time)');
  console.table([
    { validator: 'recovery window read (early verdict)', 'stage restore -> full rollback s': early.seconds, 'concluded by': early.concludedBy, outcome: early.outcome },
    { validator: 'window unknown (budget, first release)', 'stage restore -> full rollback s': anchor.seconds, 'concluded by': anchor.concludedBy, outcome: anchor.outcome },
  ]);
  const limit = 120 + config.policy.validation.pollIntervalSeconds * 2;
  budgets.push({ budget: `stage restore -> full rollback <= 240 s and <= window 120 s + one poll (+ the poll it lands in)`, measured: `${early.seconds} s (anchor ${anchor.seconds} s, ${(anchor.seconds / early.seconds).toFixed(1)}x slower)`, met: early.seconds <= Math.min(240, limit) });
}

console.log(`rollback-controller benchmarks — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
const dynamoDbLocal = await startDynamoDbLocal();
try {
  await criticalPath(dynamoDbLocal);
  await storm(dynamoDbLocal);
  await historyAtScale(dynamoDbLocal);
  await timeToFullRollback(dynamoDbLocal, createDocumentClient(dynamoDbLocal.clientConfig));
} finally {
  await dynamoDbLocal.stop();
}
await coldStart();
await timeToVerdict();
console.log('\nBudgets');
console.table(budgets.map(({ budget, measured, met }) => ({ budget, measured, met: met ? 'yes' : 'NO' })));
