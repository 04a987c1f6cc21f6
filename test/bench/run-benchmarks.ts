/**
 * `npm run bench`: the controller's performance budgets, measured (never asserted in the test suite).
 *   1. critical path to restore   2. alarm storm   3. history at scale   4. cold start   5. time to verdict
 *   6. time from a stage restore that did not help to the full rollback (sandbox time)
 * Needs only Node and Java (DynamoDB Local). Prints tables and a budget summary; see BENCHMARKS.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildCli } from '../../cli/build-cli';
import { bundleFunction, FUNCTION_BUNDLING } from '../../infra/function-bundling';
import { createDocumentClient } from '../../shared/aws/dynamodb-clients';
import { findEnvironment, loadConfig } from '../../shared/config';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { dynamoHistory, type HistoryPorts } from '../../shared/history/dynamo-history';
import { ensureHistoryTable } from '../../shared/history/history-table-setup';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../shared/local/dynamodb-local';
import { runRollback, type RollbackDependencies } from '../../shared/rollback/rollback-runner';
import type { TargetDrivers } from '../../shared/targets/target-drivers';
import { lambdaAliasTarget } from '../../shared/targets/lambda-alias';
import { ManualClock, systemClock } from '../../shared/time/clock';
import { validateRollback } from '../../shared/validation/validate-rollback';
import { validationRequestSchema } from '../../shared/validation/validation-contract';
import type { AlarmRule } from '../../shared/validation/evidence/alarm-judge';
import { measure, printTable, type Measurement } from './bench-harness';
import { recordCompletedDeployment, seedDemoHistory, demoRestorePoints } from '../../cli/local-drill/demo-history';
import { sandboxCheckPorts, sandboxTargetDrivers, RecordingNotifier } from '../../shared/sandbox/sandbox-adapters';
import { SandboxClock } from '../../shared/sandbox/sandbox-clock';
import { SandboxSlot, SandboxWorld } from '../../shared/sandbox/sandbox-world';
import { answerValidationRequest } from '../../shared/validation/validate-rollback';

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

/**
 * Production with `count` deployments a minute apart, the newest five minutes ago (every 7th failed,
 * moving no traffic), written 25 per batch; then the newest succeeded one is kept live on the head,
 * as the recorder keeps it.
 */
async function seedProduction(client: DynamoDBDocumentClient, tableName: string, count: number): Promise<void> {
  const start = Date.now() - (count + 5) * 60_000;
  const isFailed = (index: number) => index % 7 === 3;
  const pending: Promise<unknown>[] = [];
  for (let offset = 0; offset < count; offset += 25) {
    const batch = Array.from({ length: Math.min(25, count - offset) }, (_, step) => {
      const index = offset + step;
      const at = new Date(start + index * 60_000).toISOString();
      const Item: DeploymentRecord = {
        deploymentId: `bench-${index}`, kind: 'deployment', environment: 'production', version: `1.0.${index}`,
        status: isFailed(index) ? 'failed' : 'succeeded', startedAt: at, finishedAt: at, updatedAt: at, source: 'bench',
        // Every target production restores: a known good must cover them all.
        restorePoints: demoRestorePoints(findEnvironment(config, 'production'), { version: `1.0.${index}`, number: index + 1 }, { movedTraffic: !isFailed(index) }),
      };
      return { PutRequest: { Item } };
    });
    pending.push(client.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } })));
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const live = isFailed(count - 1) ? count - 2 : count - 1;
  await dynamoHistory({ client, tableName, clock: systemClock }).controls.noteLive('production', {
    deploymentId: `bench-${live}`,
    version: `1.0.${live}`,
    since: new Date(start + live * 60_000).toISOString(),
    cause: 'deployed',
    targets: findEnvironment(config, 'production').targets.map((target) => target.type),
  });
}

interface RecordedCall {
  name: string;
  start: number;
  end: number;
  /** Capacity units DynamoDB charged for it (asked for with ReturnConsumedCapacity). */
  capacity: number;
}

/** Every DynamoDB call the store makes, with its start, end and capacity, to count what stands before the alias update. */
function recordingClient(client: DynamoDBDocumentClient, calls: RecordedCall[]): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const call = { name: command.constructor.name.replace('Command', ''), start: performance.now(), end: Number.NaN, capacity: 0 };
        calls.push(call);
        command.input.ReturnConsumedCapacity = 'TOTAL';
        try {
          const output = (await target.send(command as never)) as { ConsumedCapacity?: { CapacityUnits?: number } };
          call.capacity = output.ConsumedCapacity?.CapacityUnits ?? 0;
          return output;
        } finally {
          call.end = performance.now();
        }
      };
    },
  });
}

/** What the reconciler's schedule does before any alarm in a deployed stack: fill every environment's rollback ledger. */
async function fillLedgers(store: HistoryPorts): Promise<void> {
  const result = await runRollback({ action: 'reconcile' }, 'bench-reconciler', dependencies(store, countingDrivers(() => undefined)));
  if (result.outcome !== 'reconciled') throw new Error(`the reconciler answered ${result.outcome}: ${result.reason}`);
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
      readiness: async () => ({ ready: true, detail: '' }),
    }),
  };
}

function dependencies(store: HistoryPorts, targets: TargetDrivers): RollbackDependencies {
  return {
    config,
    history: store,
    targets,
    validator: { validate: async () => ({ success: true, verdict: 'recovered' as const, evidence: [], timestamp: new Date().toISOString(), checks: [], rounds: 3, durationMs: 0 }) },
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
  const rows: Record<string, unknown>[] = [];
  for (const ledger of ['filled by the reconciler (steady state)', 'not yet filled (a new environment before the reconciler’s first run)'] as const) {
    const depths: number[] = [];
    const times: number[] = [];
    const names = new Set<string>();
    for (let run = 0; run < 30; run += 1) {
      const calls: RecordedCall[] = [];
      const client = recordingClient(createDocumentClient(dynamoDbLocal.clientConfig), calls);
      const { tableName, store } = await freshStore(dynamoDbLocal, client);
      await seedProduction(client, tableName, 20);
      if (ledger.startsWith('filled')) await fillLedgers(store);
      calls.length = 0;
      let restoreAt = Number.NaN;
      const target = countingDrivers(() => (restoreAt = Number.isNaN(restoreAt) ? performance.now() : restoreAt));
      const started = performance.now();
      await runRollback(alarm(randomUUID()), 'bench', dependencies(store, target));
      // What the restore waited for: calls done before it started (one still in flight, like the ledger write sent alongside, held nothing back).
      const before = calls.filter((call) => call.end <= restoreAt);
      before.forEach((call) => names.add(call.name));
      depths.push(sequentialDepth(before));
      times.push(restoreAt - started);
    }
    const depth = Math.max(...depths);
    rows.push({ ledger, 'sequential calls before alias update (max)': depth, calls: [...names].join(', '), 'p50 ms': percentile(times, 0.5), 'p99 ms': percentile(times, 0.99) });
    if (ledger.startsWith('filled')) budgets.push({ budget: 'sequential AWS calls before the alias update <= 2', measured: `${depth}`, met: depth <= 2 });
  }
  console.log(`\n1. Critical path: event received -> first traffic-restoring call (30 runs each, DynamoDB Local)`);
  console.table(rows);
}

async function storm(dynamoDbLocal: RunningDynamoDbLocal): Promise<void> {
  const client = createDocumentClient({ ...dynamoDbLocal.clientConfig, maxAttempts: 10 });
  const { tableName, store } = await freshStore(dynamoDbLocal, client);
  await seedProduction(client, tableName, 20);
  await fillLedgers(store);
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

  // Machine-independent: DynamoDB calls (by kind) and read capacity of the rollback, of a duplicate while it runs, and of one after.
  const rows: Record<string, unknown>[] = [];
  let steadyState = { during: { reads: 0, text: '' }, after: { reads: 0, text: '' } };
  for (const ledger of ['filled', 'not yet filled'] as const) {
    const calls: RecordedCall[] = [];
    const counted = await freshStore(dynamoDbLocal, recordingClient(client, calls));
    await seedProduction(client, counted.tableName, 20);
    if (ledger === 'filled') await fillLedgers(counted.store);
    calls.length = 0;
    const countedFiredAt = new Date();
    /** The calls made since the last look: "1 Query (0.5 RCU)", with how many were reads. */
    const take = () => {
      const taken = calls.splice(0);
      const counts = new Map<string, number>();
      for (const call of taken) counts.set(call.name, (counts.get(call.name) ?? 0) + 1);
      const reads = taken.filter((call) => /Query|Get/.test(call.name));
      const readCapacity = reads.reduce((sum, call) => sum + call.capacity, 0);
      return { reads: reads.length, text: `${[...counts].map(([name, count]) => `${count} ${name}`).join(' + ')} (${readCapacity} RCU read)` };
    };
    let beforeRestore = { reads: 0, text: '' };
    let during = { reads: 0, text: '' };
    const holdingTarget: TargetDrivers = {
      driverFor: (type) => ({
        ...countingDrivers(() => undefined).driverFor(type, 'production'),
        // While the rollback restores, a copy of its alarm arrives: what does answering it cost?
        restore: async () => {
          if (type === 'lambda-alias') {
            beforeRestore = take();
            await runRollback(alarm(randomUUID(), countedFiredAt), 'bench', dependencies(counted.store, countingDrivers(() => undefined)));
            during = take();
          }
          return { outcome: 'restored', detail: '' };
        },
      }),
    };
    await runRollback(alarm(randomUUID(), countedFiredAt), 'bench', dependencies(counted.store, holdingTarget));
    const afterRestore = take();
    await runRollback(alarm(randomUUID(), countedFiredAt), 'bench', dependencies(counted.store, countingDrivers(() => undefined)));
    const after = take();
    rows.push(
      { ledger, delivery: 'the rollback, up to its alias restore | after it', 'DynamoDB calls': `${beforeRestore.text} | ${afterRestore.text}` },
      { ledger, delivery: 'a duplicate while the rollback runs (live lease)', 'DynamoDB calls': during.text },
      { ledger, delivery: 'a duplicate after the rollback (alarm older than it)', 'DynamoDB calls': after.text },
    );
    if (ledger === 'filled') steadyState = { during, after };
  }
  console.table(rows);
  const { during, after } = steadyState;
  budgets.push({ budget: 'a duplicate costs 1 DynamoDB read (ledger filled)', measured: `${during.reads} while the rollback runs (${during.text}); ${after.reads} after (${after.text})`, met: during.reads <= 1 && after.reads <= 1 });

  // The same storm as Lambda sees it: each delivery in its own container. One Node process and one
  // DynamoDB Local JVM share this machine's 2 cores, so the storm is replayed at fixed concurrency.
  const pacedRows: Record<string, unknown>[] = [];
  for (const concurrency of [1, 5, 20]) {
    const paced: number[] = [];
    const pacedStore = await freshStore(dynamoDbLocal, client);
    await seedProduction(client, pacedStore.tableName, 20);
    await fillLedgers(pacedStore.store);
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
    pacedRows.push({ concurrency, duplicate: paced.length, 'duplicate p50 ms': percentile(paced, 0.5), 'duplicate p99 ms': percentile(paced, 0.99) });
    budgets.push({ budget: `duplicate answer p99 < 50 ms (1,000 events at concurrency ${concurrency})`, measured: `${percentile(paced, 0.99)} ms`, met: percentile(paced, 0.99) < 50 });
  }
  console.table(pacedRows);
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
    await fillLedgers(store);
    rows.push(await measure(`active + last known good + head @ ${size}`, 200, () => store.deployments.readEnvironment(findEnvironment(config, 'production'))));
    rows.push(await measure(`history --limit 20 @ ${size}`, 200, () => store.deployments.listHistory({ environment: 'production', limit: 20 })));
  }
  printTable('3. History at scale (sequential calls, DynamoDB Local)', rows);
  const p50 = (name: string) => rows.find((row) => row.name === name)!.p50Ms;
  for (const operation of ['active + last known good + head', 'history --limit 20']) {
    const ratio = p50(`${operation} @ 50000`) / p50(`${operation} @ 1000`);
    budgets.push({ budget: `${operation}: time at 50k <= 1.5 x time at 1k`, measured: `${ratio.toFixed(2)} x`, met: ratio <= 1.5 });
  }
}

/** What the first call of a cold orchestrator cannot do without: middy, the logger, a DynamoDB Query. */
const FLOOR_HANDLER = `import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
const logger = new Logger({ serviceName: 'floor' });
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler(async () => client.send(new QueryCommand({ TableName: process.env.HISTORY_TABLE_NAME, IndexName: 'byEnvironment', KeyConditionExpression: 'environment = :environment', ExpressionAttributeValues: { ':environment': 'production' }, ScanIndexForward: false, Limit: 10 })));
`;

/**
 * A fresh Node process imports the bundle (init), then hands it the production alarm; a loopback
 * server stands in for DynamoDB and notes when the first request arrives. Prints "init firstRequest" ms.
 */
const COLD_PROCESS = `
import { createServer } from 'node:http';
const started = performance.now();
let init;
const server = createServer((request) => { console.log(init.toFixed(2), (performance.now() - started).toFixed(2)); process.exit(0); });
await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:' + server.address().port;
const t0 = performance.now();
const module = await import(process.env.BUNDLE);
init = performance.now() - t0;
const context = { awsRequestId: 'cold-1', functionName: 'bench', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bench', memoryLimitInMB: '512', getRemainingTimeInMillis: () => 900000 };
await module.handler(JSON.parse(process.env.EVENT), context).catch(() => undefined);
console.log(init.toFixed(2), 'none');
process.exit(0);
`;

async function coldStart(): Promise<void> {
  const folder = resolve('dist/bench');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'floor-handler.ts'), FLOOR_HANDLER);
  const entries: Record<string, string> = {
    floor: join(folder, 'floor-handler.ts'),
    orchestrator: 'functions/orchestrator/handler.ts',
    validator: 'functions/validator/handler.ts',
    recorder: 'functions/recorder/handler.ts',
  };
  const events: Record<string, unknown> = {
    floor: {},
    orchestrator: JSON.parse(readFileSync('events/alarm-production.json', 'utf8')),
    validator: { environments: [{ name: 'production', alarmPrefixes: ['demo-shop-prod-'] }], budgetMs: 1000, pollIntervalMs: 1000, consecutivePasses: 1 },
    recorder: JSON.parse(readFileSync('events/codepipeline-stage-started.json', 'utf8')),
  };
  const env = {
    ...process.env,
    HISTORY_TABLE_NAME: 'bench',
    VALIDATOR_FUNCTION_NAME: 'bench',
    ORCHESTRATOR_FUNCTION_NAME: 'bench',
    RESULT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:bench',
    FAILED_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const RUNS = 11;
  const rows: { sdk: string; function: string; kb: number; init: number; firstRequest?: number }[] = [];
  const bundles: { sdk: 'external' | 'bundled'; name: string; outfile: string; samples: { init: number; first?: number }[] }[] = [];
  for (const sdk of ['external', 'bundled'] as const) {
    for (const [name, entry] of Object.entries(entries)) {
      const outfile = join(folder, `${name}-${sdk}.mjs`);
      // The deployed options (FUNCTION_BUNDLING), and the same with the AWS SDK bundled in.
      await bundleFunction({ entry, outfile, config, sourcemap: false, ...(sdk === 'bundled' ? { external: [] } : {}) });
      bundles.push({ sdk, name, outfile, samples: [] });
    }
  }
  // Interleaved rounds (each bundle once per round): a shared machine's drift weighs on every bundle alike.
  for (let round = 0; round < RUNS; round += 1) {
    for (const bundle of bundles) {
      const output = execFileSync('node', ['--input-type=module', '-e', COLD_PROCESS], { env: { ...env, BUNDLE: bundle.outfile, EVENT: JSON.stringify(events[bundle.name]) }, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      const [init, first] = output.split(' ');
      bundle.samples.push({ init: Number(init), ...(first === 'none' ? {} : { first: Number(first) }) });
    }
  }
  for (const { sdk, name, outfile, samples } of bundles) {
    const firsts = samples.flatMap((sample) => (sample.first === undefined ? [] : [sample.first]));
    rows.push({ sdk, function: name, kb: Math.round(readFileSync(outfile).length / 1024), init: percentile(samples.map((sample) => sample.init), 0.5), ...(firsts.length === RUNS ? { firstRequest: percentile(firsts, 0.5) } : {}) });
  }
  const floorOf = (sdk: string) => rows.find((row) => row.sdk === sdk && row.function === 'floor')!;
  console.log(`\n4. Cold start: a fresh Node process imports the bundle (init), then handles one event until its first DynamoDB request (p50 of ${RUNS} interleaved rounds; AWS SDK external as deployed, and bundled)`);
  console.table(
    rows.map((row) => ({
      sdk: row.sdk,
      function: row.function,
      'bundle KB': row.kb,
      'init p50 ms': row.init,
      'init x floor': Math.round((row.init / floorOf(row.sdk).init) * 100) / 100,
      'first DynamoDB request p50 ms': row.firstRequest ?? '-',
      'first request x floor': row.firstRequest && floorOf(row.sdk).firstRequest ? Math.round((row.firstRequest / floorOf(row.sdk).firstRequest!) * 100) / 100 : '-',
    })),
  );
  const orchestrator = (sdk: string) => rows.find((row) => row.sdk === sdk && row.function === 'orchestrator')!;
  const deployed = FUNCTION_BUNDLING.external.length > 0 ? 'external' : 'bundled';
  const other = deployed === 'external' ? 'bundled' : 'external';
  const ratio = orchestrator(deployed).init / floorOf(deployed).init;
  budgets.push({ budget: `orchestrator init <= 1.25 x its first-call floor (SDK ${deployed}, as deployed)`, measured: `${ratio.toFixed(2)} x (${orchestrator(deployed).init} ms vs ${floorOf(deployed).init} ms)`, met: ratio <= 1.25 });
  budgets.push({
    budget: `SDK ${deployed} chosen by init time`,
    measured: `orchestrator init ${orchestrator(deployed).init} ms ${deployed} vs ${orchestrator(other).init} ms ${other}`,
    met: orchestrator(deployed).init <= orchestrator(other).init,
  });
}

/**
 * rollbackctl as a person or CI meets it: the installed bundle against the tsx start a clone uses
 * (the anchor), for --help and a history read against DynamoDB Local; and drill --local split into
 * the JVM start and the run itself.
 */
async function cliLatency(dynamoDbLocal: RunningDynamoDbLocal): Promise<void> {
  const bundle = resolve('dist/bench/rollbackctl.mjs');
  await buildCli(bundle);
  const { tableName } = await freshStore(dynamoDbLocal, createDocumentClient(dynamoDbLocal.clientConfig));
  const home = resolve('dist/bench/rollbackctl-home');
  const env = { ...process.env, ROLLBACKCTL_HOME: home };
  const timed = (args: string[]) => {
    const started = performance.now();
    execFileSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
    return performance.now() - started;
  };
  const p50 = (args: string[], runs = 7) => percentile(Array.from({ length: runs }, () => timed(args)), 0.5);
  const history = ['history', '--env', 'production', '--endpoint', dynamoDbLocal.endpoint, '--table', tableName, '--json'];
  const rows = [
    { command: 'rollbackctl --help', bundled: p50([bundle, '--help']), 'tsx (anchor)': p50(['cli/bin.mjs', '--help']) },
    { command: 'rollbackctl history --json (DynamoDB Local)', bundled: p50([bundle, ...history]), 'tsx (anchor)': p50(['cli/bin.mjs', ...history]) },
  ].map((row) => ({ ...row, 'x anchor': Math.round((row.bundled / row['tsx (anchor)']) * 100) / 100 }));
  // drill --local: the whole command, and within it the JVM start (reported by --debug), the part no code here can shorten.
  rmSync(home, { recursive: true, force: true });
  const drills = Array.from({ length: 3 }, () => {
    const started = performance.now();
    const { stderr } = spawnSync(process.execPath, [bundle, '--debug', 'drill', '--local'], { env, encoding: 'utf8' });
    return { total: performance.now() - started, jvm: Number(/answered after (\d+) ms/.exec(stderr)?.[1] ?? Number.NaN) };
  });
  const drill = percentile(drills.map((run) => run.total), 0.5);
  const jvm = percentile(drills.map((run) => run.jvm), 0.5);
  console.log('\n7. rollbackctl latency (p50 ms; the installed bundle vs the tsx start from a clone)');
  console.table(rows);
  console.table([{ 'drill --local total ms': Math.round(drill), 'JVM start ms': Math.round(jvm), 'the run itself ms': Math.round(drill - jvm) }]);
  for (const row of rows) budgets.push({ budget: `${row.command}: bundled faster than the tsx start`, measured: `${row.bundled} ms vs ${row['tsx (anchor)']} ms (${row['x anchor']} x)`, met: row['x anchor'] < 1 });
}

/** A metric stream: an alarm's value for the period starting at `at` (undefined: no datapoint). */
type Stream = (at: number) => number | undefined;

/** A deterministic pseudo-random source, so every run replays the same noisy streams. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * The rule before verdicts rested on evidence, replayed: the alarm's state as CloudWatch evaluates it
 * (M of the last N complete periods breaching; missing data not breaching, the common default),
 * polled; three polls not in ALARM pass, ALARM past the recovery window and a poll fails.
 */
function todaysRule(stream: Stream, rule: AlarmRule, restoredAt: number, pollMs: number, budgetMs: number): { verdict: string; seconds: number } {
  const periodMs = rule.periodSeconds * 1_000;
  const breachingToAlarm = rule.datapointsToAlarm ?? rule.evaluationPeriods;
  const windowMs = (rule.evaluationPeriods - breachingToAlarm + 2) * periodMs;
  let passes = 0;
  for (let now = restoredAt; now <= restoredAt + budgetMs; now += pollMs) {
    const lastComplete = Math.floor(now / periodMs) * periodMs - periodMs;
    let breaching = 0;
    for (let period = 0; period < rule.evaluationPeriods; period += 1) {
      const value = stream(lastComplete - period * periodMs);
      if (value !== undefined && value >= rule.threshold) breaching += 1;
    }
    const inAlarm = breaching >= breachingToAlarm;
    passes = inAlarm ? 0 : passes + 1;
    if (passes >= 3) return { verdict: 'valid', seconds: (now - restoredAt) / 1_000 };
    if (inAlarm && now - restoredAt > windowMs + pollMs) return { verdict: 'not valid', seconds: (now - restoredAt) / 1_000 };
  }
  return { verdict: 'not valid (budget)', seconds: budgetMs / 1_000 };
}

/** A restored Lambda version's traffic: invocations per second, and the share of them that error. */
interface KnownGoodTraffic {
  perSecond: number;
  errorShare: number;
}

/**
 * The validator as it runs now, on one alarm whose datapoints are the stream (fake clock, no health
 * check), and, given `traffic`, a Lambda alias restored to a known good serving it (the sandbox twin's
 * reading: what CloudWatch reports by ExecutedVersion, from the restore on).
 */
async function evidenceRule(stream: Stream, rule: AlarmRule, restoredAt: number, traffic?: KnownGoodTraffic): Promise<{ verdict: string; seconds: number; decidedBy?: string }> {
  const clock = new ManualClock(new Date(restoredAt));
  const periodMs = rule.periodSeconds * 1_000;
  const alarm = {
    name: rule.name,
    type: 'metric' as const,
    state: 'ALARM' as const,
    reason: '',
    dataPlan: { kind: 'datapoints' as const, rule, queries: [{ Id: 'm', Expression: 'bench' }], resultId: 'm', separateCall: false },
  };
  const aliasConfig = { type: 'lambda-alias', alias: 'live', functions: ['demo-shop-prod-api'] };
  const withTraffic = traffic ? { targets: [aliasConfig], expectations: [{ target: 'lambda-alias', alias: 'live', versions: { 'demo-shop-prod-api': '14' }, replaced: { 'demo-shop-prod-api': '21' } }] } : {};
  const request = validationRequestSchema.parse({ environments: [{ name: 'production', alarmPrefixes: ['demo-shop-prod-'], ...withTraffic }], budgetMs: 300_000, pollIntervalMs: 10_000, consecutivePasses: 3, restoredAt: new Date(restoredAt).toISOString() });
  const twin = traffic
    ? lambdaAliasTarget.sandbox({
        environment: 'production',
        slot: Object.assign(new SandboxSlot<{ versions: Record<string, string> }>('production'), { value: { versions: { 'demo-shop-prod-api': '14' } } }),
        traffic: {
          between: (from, to) => ({ invocations: Math.round(((to - from) / 1_000) * traffic.perSecond), errors: Math.round(((to - from) / 1_000) * traffic.perSecond * traffic.errorShare) }),
          baseline: () => ({ invocations: 3_600 * traffic.perSecond, errors: Math.round(3_600 * traffic.perSecond * 0.002) }),
        },
      })
    : undefined;
  const drivers = countingDrivers(() => undefined);
  const result = await validateRollback(request, {
    ports: {
      alarms: { readAlarms: async () => [alarm] },
      metrics: {
        read: async (requests, window) => {
          const points: { at: number; value: number }[] = [];
          for (let at = Math.floor(window.start.getTime() / periodMs) * periodMs; at < window.end.getTime(); at += periodMs) {
            const value = stream(at);
            if (value !== undefined) points.push({ at, value });
          }
          return new Map(requests.map((each) => [each.key, points]));
        },
      },
      health: { probe: async () => ({ url: '' }) },
      targets: twin ? { driverFor: (type, environment) => ({ ...drivers.driverFor(type, environment), evidence: twin.evidence!.bind(twin) as never }) } : drivers,
    },
    clock,
    sleep: async (milliseconds) => clock.advance(milliseconds),
    remainingTimeMs: () => 900_000,
  });
  return { verdict: result.verdict ?? '?', seconds: result.durationMs / 1_000, ...(result.decidedBy ? { decidedBy: result.decidedBy.check } : {}) };
}

/**
 * Restore -> verdict for a still-bad, a recovered and a no-traffic stream, with 60 s x 3 and 10 s x 3
 * alarms, under the evidence rule and today's (the state rule it replaced), in the same run; the
 * restore on a period boundary and half a period into one. Then false verdicts over replayed noisy
 * streams (seeded: every run replays the same ones).
 */
async function timeToVerdict(): Promise<void> {
  const base = Date.parse('2026-11-23T10:00:00.000Z');
  const rows: Record<string, unknown>[] = [];
  const streams: Record<string, (restoredAt: number) => Stream> = {
    'still bad': () => () => 20,
    recovered: (restoredAt) => (at) => (at < restoredAt ? 20 : 0),
    'no traffic': (restoredAt) => (at) => (at < restoredAt ? 20 : undefined),
  };
  for (const periodSeconds of [60, 10]) {
    const rule: AlarmRule = { name: 'demo-shop-prod-api-5xx', threshold: 5, comparison: 'GreaterThanOrEqualToThreshold', periodSeconds, evaluationPeriods: 3, datapointsToAlarm: 3 };
    for (const offset of [0, periodSeconds / 2]) {
      const restoredAt = base + offset * 1_000;
      for (const [name, make] of Object.entries(streams)) {
        const evidence = await evidenceRule(make(restoredAt), rule, restoredAt);
        const today = todaysRule(make(restoredAt), rule, restoredAt, 10_000, 300_000);
        rows.push({ alarm: `${periodSeconds} s x 3 of 3`, 'restore at': offset === 0 ? 'period start' : `+${offset} s`, stream: name, 'evidence: verdict': evidence.verdict, 'evidence: s': evidence.seconds, 'today (anchor): verdict': today.verdict, 'today: s': today.seconds, 'x anchor': Math.round((evidence.seconds / today.seconds) * 100) / 100 });
        if (name === 'still bad' && periodSeconds === 60) {
          // The alarm alone waits for the first complete period after the restore: on a period boundary one period, mid-period up to two.
          budgets.push({ budget: `still bad, 60 s x 3 alarm alone, restore ${offset === 0 ? 'on a period boundary' : `+${offset} s into a period`}: not_recovered ${offset === 0 ? '<= 70 s' : '<= two periods and a poll (130 s)'} after the restore`, measured: `${evidence.seconds} s (${evidence.verdict}); today's rule ${today.seconds} s`, met: evidence.verdict === 'not_recovered' && evidence.seconds <= (offset === 0 ? 70 : 130) });
          // With the restored Lambda version's own traffic (2 invocations a second, 10% failing against 0.2% before): the partial minute is the known good's.
          const withTraffic = await evidenceRule(make(restoredAt), rule, restoredAt, { perSecond: 2, errorShare: 0.1 });
          rows.push({ alarm: `${periodSeconds} s x 3 of 3 + Lambda traffic`, 'restore at': offset === 0 ? 'period start' : `+${offset} s`, stream: `${name} (known good 10% errors)`, 'evidence: verdict': `${withTraffic.verdict} (${withTraffic.decidedBy})`, 'evidence: s': withTraffic.seconds, 'today (anchor): verdict': today.verdict, 'today: s': today.seconds, 'x anchor': Math.round((withTraffic.seconds / today.seconds) * 100) / 100 });
          budgets.push({ budget: `still bad, 60 s x 3 alarm with a Lambda alias's traffic, restore ${offset === 0 ? 'on a period boundary' : `+${offset} s into a period`}: not_recovered <= 70 s after the restore`, measured: `${withTraffic.seconds} s (${withTraffic.verdict}, ${withTraffic.decidedBy}); today's rule ${today.seconds} s`, met: withTraffic.verdict === 'not_recovered' && withTraffic.seconds <= 70 });
        }
        if (name === 'no traffic') budgets.push({ budget: `no traffic, ${periodSeconds} s alarm (restore ${offset === 0 ? 'on' : 'mid'} period): never recovered on zero datapoints`, measured: `${evidence.verdict}; today's rule: ${today.verdict}`, met: evidence.verdict === 'inconclusive' });
      }
    }
  }
  console.log('\n5. Restore -> verdict: the evidence rule beside today\'s state rule (fake clock; poll 10 s, budget 300 s)');
  console.table(rows);

  // Noisy streams: a recovered one with occasional spikes over the threshold, a still-bad one that dips under it now and then.
  const replays = 200;
  const noise: Record<string, { truth: string; stream: (random: () => number, restoredAt: number) => Stream }> = {
    'recovered, 5% spikes': { truth: 'recovered', stream: (random, restoredAt) => (at) => (at < restoredAt ? 20 : random() < 0.05 ? 8 : Math.floor(random() * 4)) },
    'still bad, 20% dips': { truth: 'not_recovered', stream: (random) => () => (random() < 0.2 ? 2 : 6 + Math.floor(random() * 10)) },
  };
  const falseRows: Record<string, unknown>[] = [];
  for (const periodSeconds of [60, 10]) {
    const rule: AlarmRule = { name: 'noisy', threshold: 5, comparison: 'GreaterThanOrEqualToThreshold', periodSeconds, evaluationPeriods: 3, datapointsToAlarm: 3 };
    for (const [name, { truth, stream }] of Object.entries(noise)) {
      let evidenceWrong = 0;
      let todayWrong = 0;
      for (let replay = 0; replay < replays; replay += 1) {
        const restoredAt = base + replay * 3_600_000;
        // Each rule sees the same stream: values memoised per period.
        const values = new Map<number, number | undefined>();
        const random = seeded(replay + 1);
        const raw = stream(random, restoredAt);
        const replayed: Stream = (at) => (values.has(at) ? values.get(at) : (values.set(at, raw(at)), values.get(at)));
        const evidence = await evidenceRule(replayed, rule, restoredAt);
        const today = todaysRule(replayed, rule, restoredAt, 10_000, 300_000);
        if (evidence.verdict !== 'inconclusive' && evidence.verdict !== truth) evidenceWrong += 1;
        if ((today.verdict === 'valid' ? 'recovered' : 'not_recovered') !== truth) todayWrong += 1;
      }
      falseRows.push({ alarm: `${periodSeconds} s x 3 of 3`, stream: name, replays, 'evidence rule: false verdicts': evidenceWrong, "today's rule: false verdicts": todayWrong });
    }
  }
  console.log(`\n5b. False verdicts over ${replays} replayed noisy streams (seeded; inconclusive is not counted as false)`);
  console.table(falseRows);
}

/**
 * A release in staging and production breaks production through a dependency staging shares, so the
 * stage restore of production cannot help; the alarm is 60 s x 3 of 3 and no health check gives
 * earlier evidence. Measured in sandbox time: from the end of the stage restore to the start of the
 * full rollback — judged on the alarm's own datapoints (the first complete period after the restore),
 * and, as the anchor in the same run, by its state (ALARM past its recovery window and a poll).
 */
async function timeToFullRollback(dynamoDbLocal: RunningDynamoDbLocal, client: DynamoDBDocumentClient): Promise<void> {
  const alarmOnly = (await import('../helpers/fleet-history')).withoutHealthChecks(config);
  const run = async (judge: 'evidence' | 'datapoints' | 'state', periodSeconds: number) => {
    const onDatapoints = judge !== 'state';
    const { tableName } = await freshStore(dynamoDbLocal, client);
    const clock = new SandboxClock(new Date(), 20_000);
    // The history on sandbox time: leases and guards see the same clock as the validator.
    const store = dynamoHistory({ client, tableName, clock });
    await seedDemoHistory(store.deployments, alarmOnly, new Date(Date.now() - 3_600_000));
    // Once the full rollback removes the cause, the alarm clears within two of its periods.
    const world = new SandboxWorld({ badVersions: ['1.4.1'], contagiousVersions: ['1.4.1'], recoveryMs: periodSeconds * 2_000, alarmShape: { periodSeconds, evaluationPeriods: 3, datapointsToAlarm: 3 } }, clock);
    for (const name of ['staging', 'production']) {
      const environment = alarmOnly.environments.find((candidate) => candidate.name === name)!;
      const deployment = { deploymentId: `bench-${name}-1.4.1`, environment: name, version: '1.4.1', status: 'succeeded' as const, source: 'bench', at: new Date(clock.now().getTime() - 600_000), restorePoints: demoRestorePoints(environment, { version: '1.4.1', number: 21 }) };
      await recordCompletedDeployment(store.deployments, deployment);
    }
    for (const environment of alarmOnly.environments) {
      const active = (await store.deployments.findRollbackPair(environment)).activeDeployment;
      if (active) world.deploy(environment, active);
    }
    const ports = sandboxCheckPorts(world);
    const alarms = onDatapoints ? ports.alarms : { readAlarms: async (selection: Parameters<typeof ports.alarms.readAlarms>[0]) => (await ports.alarms.readAlarms(selection)).map(({ dataPlan: _plan, ...alarm }) => alarm) };
    // The anchor is the rule before evidence: alarm state only, no traffic read.
    const checkTargets: TargetDrivers = judge === 'evidence' ? ports.targets : { driverFor: (type, environment) => ({ ...ports.targets.driverFor(type, environment), evidence: undefined }) };
    const result = await runRollback(alarm(randomUUID(), clock.now()), 'bench', {
      config: alarmOnly,
      history: store,
      targets: sandboxTargetDrivers(world),
      validator: { validate: (request) => answerValidationRequest(request, { ports: { ...ports, alarms, targets: checkTargets }, clock, sleep: (ms) => clock.sleep(ms), remainingTimeMs: () => 900_000 }) },
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
  const rows: Record<string, unknown>[] = [];
  for (const periodSeconds of [60, 10]) {
    const early = await run('evidence', periodSeconds);
    const alarmAlone = await run('datapoints', periodSeconds);
    const anchor = await run('state', periodSeconds);
    const window = 2 * periodSeconds;
    const poll = config.policy.validation.pollIntervalSeconds;
    rows.push(
      { alarm: `${periodSeconds} s x 3 of 3`, validator: 'evidence: datapoints + the alias traffic', 'stage restore -> full rollback s': early.seconds, 'x anchor': Math.round((early.seconds / anchor.seconds) * 100) / 100, 'concluded by': early.concludedBy, outcome: early.outcome },
      { alarm: `${periodSeconds} s x 3 of 3`, validator: 'evidence: the alarm datapoints alone', 'stage restore -> full rollback s': alarmAlone.seconds, 'x anchor': Math.round((alarmAlone.seconds / anchor.seconds) * 100) / 100, 'concluded by': alarmAlone.concludedBy, outcome: alarmAlone.outcome },
      { alarm: `${periodSeconds} s x 3 of 3`, validator: 'its state past its recovery window (anchor)', 'stage restore -> full rollback s': anchor.seconds, 'x anchor': 1, 'concluded by': anchor.concludedBy, outcome: anchor.outcome },
    );
    // One period, the poll that sees it, and the period the restore fell in.
    budgets.push({
      budget: `${periodSeconds} s x 3 alarm: stage restore -> full rollback <= two periods + one poll (state rule: window ${window} s + a poll)`,
      measured: `${early.seconds} s (${(early.seconds / anchor.seconds).toFixed(2)} x the ${anchor.seconds} s anchor)`,
      met: early.seconds <= 2 * periodSeconds + poll && early.seconds < anchor.seconds,
    });
    budgets.push({
      budget: `${periodSeconds} s x 3 alarm, its datapoints alone (no traffic read): stage restore -> full rollback <= two periods + one poll`,
      measured: `${alarmAlone.seconds} s (${(alarmAlone.seconds / anchor.seconds).toFixed(2)} x the ${anchor.seconds} s anchor)`,
      met: alarmAlone.seconds <= 2 * periodSeconds + poll && alarmAlone.seconds <= anchor.seconds,
    });
  }
  console.log('\n6. Time from a stage restore that did not help to the full rollback: 3-of-3 alarms, no health checks (sandbox time)');
  console.table(rows);
}

/**
 * A run whose container died right after its claim (no handover): how long, on the clock, until the
 * reconciler — on its every-minute schedule — resumes it and the traffic is restored. The anchor is
 * the previous lease (900 s, never renewed) on the previous two-minute schedule.
 */
async function crashRecovery(dynamoDbLocal: RunningDynamoDbLocal): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  const timeToRestore = async (leaseSeconds: number, tickSeconds: number): Promise<number> => {
    const clock = new ManualClock(new Date());
    const client = createDocumentClient(dynamoDbLocal.clientConfig);
    const tableName = `bench-${randomUUID()}`;
    const raw = new DynamoDBClient(dynamoDbLocal.clientConfig);
    await ensureHistoryTable(raw, tableName);
    raw.destroy();
    const store = dynamoHistory({ client, tableName, clock });
    await seedProduction(client, tableName, 20);
    let restoredAt: number | undefined;
    const deps = { ...dependencies(store, countingDrivers(() => (restoredAt ??= clock.now().getTime()))), clock, config: { ...config, policy: { ...config.policy, leaseSeconds } } };
    // The dead run: claimed (its first journal step with it), then nothing — the container is gone.
    const { pair } = await store.deployments.readEnvironment(findEnvironment(config, 'production'));
    const diedAt = clock.now().getTime();
    const claimStep = { step: 'claim' as const, at: clock.now().toISOString(), runId: 'died', outcome: 'info' as const, durationMs: 0, detail: 'claimed', facts: { invocationId: 'gone', mode: 'automatic' as const, environment: 'production', fromDeploymentId: pair.activeDeployment!.deploymentId, fromVersion: pair.activeDeployment!.version, toDeploymentId: pair.lastKnownGood!.deploymentId, toVersion: pair.lastKnownGood!.version, reason: 'alarm' } };
    await store.runs.claim({ observed: pair.activeDeployment!, runId: 'died', invocationId: 'gone', mode: 'automatic', trigger: { type: 'alarm' }, leaseSeconds, claimStep });
    // The worst case: the container died a second after a tick, so a whole period passes before the next.
    for (let tick = 1; restoredAt === undefined && tick <= 30; tick += 1) {
      clock.advance(tick === 1 ? (tickSeconds - 1) * 1_000 : tickSeconds * 1_000);
      await runRollback({ action: 'reconcile' }, `reconcile-${tick}`, deps);
    }
    client.destroy();
    return ((restoredAt ?? Number.NaN) - diedAt) / 1_000;
  };
  const now = await timeToRestore(config.policy.leaseSeconds, 60);
  const before = await timeToRestore(900, 120);
  rows.push({ lease: `${config.policy.leaseSeconds} s, renewed while alive`, reconciler: 'every 60 s', 'death -> traffic restored s': now, 'x anchor': Math.round((now / before) * 100) / 100 });
  rows.push({ lease: '900 s (the previous release): anchor', reconciler: 'every 120 s', 'death -> traffic restored s': before, 'x anchor': 1 });
  budgets.push({ budget: 'a run whose container died right after its claim: traffic restored <= 120 s after the death', measured: `${now} s (${(now / before).toFixed(2)} x the ${before} s anchor)`, met: now <= 120 });
  console.log('\n8. A container that dies right after the claim: death -> traffic restored (clock time, the reconciler on its schedule)');
  console.table(rows);
}

/** A fleet alarm: environment env0's, firing now on sandbox time. */
function fleetAlarm(firedAt: Date) {
  return { version: '0', id: randomUUID(), 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', account: '123456789012', time: firedAt.toISOString(), region: 'eu-west-1', resources: [], detail: { alarmName: 'fleet-env0-api-5xx', state: { value: 'ALARM', timestamp: firedAt.toISOString() }, previousState: { value: 'OK', timestamp: new Date(firedAt.getTime() - 300_000).toISOString() } } };
}

/** A fresh table with `count` generated environments (no health URLs), each with 1.3.0 (a day ago) and 1.4.1 (minutes ago) recorded. */
async function seededFleet(dynamoDbLocal: RunningDynamoDbLocal, client: ReturnType<typeof createDocumentClient>, count: number, options: { everyTarget: boolean }) {
  const [{ fleetConfig }, { seedFleetReleases, withoutHealthChecks }] = await Promise.all([import('../helpers/fleet-config'), import('../helpers/fleet-history')]);
  const { tableName } = await freshStore(dynamoDbLocal, client);
  const config = withoutHealthChecks(fleetConfig(count, {}, options));
  const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
  await seedFleetReleases(dynamoHistory({ client, tableName, clock: systemClock }).deployments, config, { source: 'bench', goodAt: hoursAgo(24), badAt: hoursAgo(0.2) });
  return { config, tableName };
}

/**
 * An organisation: 3 to 1,000 environments. The stack (synth time, resources, template, the largest
 * IAM policy), DynamoDB calls per alarm and per reconciler tick, and a full rollback across 2 to 200
 * environments of nine targets each (every target type) (time, calls, the largest item), with the machine's load beside it.
 */
async function organisation(dynamoDbLocal: RunningDynamoDbLocal): Promise<void> {
  const { synthesize } = await import('../helpers/stack-template');
  const { fleetConfig } = await import('../helpers/fleet-config');
  const { countDynamoDbCalls } = await import('../helpers/dynamodb-calls');
  console.log(`\n9. An organisation (load average ${loadavg().map((load) => load.toFixed(2)).join(' / ')} on ${cpus().length} cores at the start)`);
  const stackRows: Record<string, unknown>[] = [];
  for (const count of [3, 30, 300, 1_000]) {
    const started = performance.now();
    const { app, template } = synthesize(fleetConfig(count, { drills: { schedule: 'cron(0 9 1 * ? *)' } }), { nag: true });
    app.synth();
    const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: { PolicyDocument?: unknown } }> };
    const policies = Object.values(json.Resources).filter((resource) => resource.Type.startsWith('AWS::IAM::') && resource.Properties.PolicyDocument).map((resource) => JSON.stringify(resource.Properties.PolicyDocument).length);
    stackRows.push({ environments: count, 'synth + cdk-nag ms': Math.round(performance.now() - started), resources: Object.keys(json.Resources).length, 'template KB': Math.round(JSON.stringify(json).length / 1024), 'largest IAM policy chars': Math.max(...policies) });
  }
  // Six targets each (Route 53 zones and records, buckets, distributions, pipelines' stages, ECS services): the grants by pattern.
  for (const count of [300, 1_000]) {
    const started = performance.now();
    const { app, template } = synthesize(fleetConfig(count, {}, { everyTarget: true }), { nag: true });
    app.synth();
    const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: { PolicyDocument?: unknown } }> };
    const policies = Object.values(json.Resources).filter((resource) => resource.Type.startsWith('AWS::IAM::') && resource.Properties.PolicyDocument).map((resource) => JSON.stringify(resource.Properties.PolicyDocument).length);
    stackRows.push({ environments: `${count} x 9 targets`, 'synth + cdk-nag ms': Math.round(performance.now() - started), resources: Object.keys(json.Resources).length, 'template KB': Math.round(JSON.stringify(json).length / 1024), 'largest IAM policy chars': Math.max(...policies) });
  }
  console.table(stackRows);
  const at1000 = stackRows[3]!;
  const sixAt1000 = stackRows.at(-1)!;
  budgets.push({ budget: '1,000 environments x 9 targets: each IAM policy within 6,144 characters', measured: `largest policy ${sixAt1000['largest IAM policy chars']} chars, ${sixAt1000.resources} resources`, met: (sixAt1000['largest IAM policy chars'] as number) <= 6_144 && (sixAt1000.resources as number) <= 500 });
  budgets.push({ budget: '1,000 environments: at most 500 resources', measured: `${at1000.resources} resources`, met: (at1000.resources as number) <= 500 });
  budgets.push({ budget: '1,000 environments: each IAM policy within IAM\'s 6,144 characters (managed) and the template within 1 MB', measured: `largest policy ${at1000['largest IAM policy chars']} chars (unresolved), template ${at1000['template KB']} KB`, met: (at1000['largest IAM policy chars'] as number) <= 6_144 && (at1000['template KB'] as number) <= 1_024 });

  const callRows: Record<string, unknown>[] = [];
  for (const count of [3, 30, 300, 1_000]) {
    const client = createDocumentClient(dynamoDbLocal.clientConfig);
    const { tableName } = await freshStore(dynamoDbLocal, client);
    const config = fleetConfig(count);
    const environment = config.environments[0]!;
    const seedStore = dynamoHistory({ client, tableName, clock: systemClock });
    for (const [version, number, hoursAgo] of [['1.3.0', 14, 24], ['1.4.1', 21, 0.2]] as const) {
      await recordCompletedDeployment(seedStore.deployments, { deploymentId: `env0-${version}`, environment: 'env0', version, status: 'succeeded', source: 'bench', at: new Date(Date.now() - hoursAgo * 3_600_000), restorePoints: demoRestorePoints(environment, { version, number }) });
    }
    const clock = new SandboxClock(new Date(), 100);
    const store = dynamoHistory({ client, tableName, clock });
    await store.runs.noteSweep(1);
    const calls = countDynamoDbCalls(client);
    const world = new SandboxWorld({ badVersions: ['1.4.1'], recoveryMs: 20_000 }, clock);
    world.deploy(environment, (await store.deployments.getDeployment('env0-1.4.1'))!);
    const ports = sandboxCheckPorts(world);
    const deps = { config, history: store, targets: sandboxTargetDrivers(world), validator: { validate: (request: unknown) => answerValidationRequest(request, { ports, clock, sleep: (ms: number) => clock.sleep(ms), remainingTimeMs: () => 900_000 }) }, notifier: new RecordingNotifier(), clock, logger: quietLogger, remainingTimeMs: () => 900_000 };
    const result = await runRollback(fleetAlarm(clock.now()), 'bench', deps);
    const perAlarm = calls.length;
    // The tick after the rollback keeps env0's head (its readiness is due: what is live moved); the next is steady state.
    await runRollback({ action: 'reconcile' }, 'bench', deps);
    calls.length = 0;
    await runRollback({ action: 'reconcile' }, 'bench', deps);
    callRows.push({ environments: count, 'alarm -> rolled back: DynamoDB calls': perAlarm, outcome: `${result.outcome} (${result.level})`, 'reconciler tick: DynamoDB calls (0 open runs, nothing due)': calls.length });
    client.destroy();
  }
  console.table(callRows);
  budgets.push({ budget: 'DynamoDB calls per alarm the same at 3 and 1,000 environments', measured: `${callRows[0]!['alarm -> rolled back: DynamoDB calls']} and ${callRows.at(-1)!['alarm -> rolled back: DynamoDB calls']}`, met: callRows[0]!['alarm -> rolled back: DynamoDB calls'] === callRows.at(-1)!['alarm -> rolled back: DynamoDB calls'] });
  budgets.push({ budget: 'a reconciler tick with 1,000 environments and no open run: at most 2 calls', measured: `${callRows.at(-1)!['reconciler tick: DynamoDB calls (0 open runs, nothing due)']} calls`, met: (callRows.at(-1)!['reconciler tick: DynamoDB calls (0 open runs, nothing due)'] as number) <= 2 });

  const fullRows: Record<string, unknown>[] = [];
  for (const count of [2, 10, 50, 200, 1_000]) {
    const client = createDocumentClient(dynamoDbLocal.clientConfig);
    const { config, tableName } = await seededFleet(dynamoDbLocal, client, count, { everyTarget: true });
    const clock = new SandboxClock(new Date(), 100);
    const store = dynamoHistory({ client, tableName, clock });
    const world = new SandboxWorld({ badVersions: ['1.4.1'], contagiousVersions: ['1.4.1'], recoveryMs: 20_000, alarmShape: { periodSeconds: 10, evaluationPeriods: 3, datapointsToAlarm: 3 } }, clock);
    for (const environment of config.environments) world.deploy(environment, (await store.deployments.getDeployment(`${environment.name}-1.4.1`))!);
    const ports = sandboxCheckPorts(world);
    const calls = countDynamoDbCalls(client);
    const started = performance.now();
    const result = await runRollback(fleetAlarm(clock.now()), 'bench', { config, history: store, targets: sandboxTargetDrivers(world), validator: { validate: (request) => answerValidationRequest(request, { ports, clock, sleep: (ms) => clock.sleep(ms), remainingTimeMs: () => 900_000 }) }, notifier: new RecordingNotifier(), clock, logger: quietLogger, remainingTimeMs: () => 900_000 });
    const wall = performance.now() - started;
    const runCalls = calls.length;
    const records = await Promise.all(config.environments.map((environment) => store.deployments.getDeployment(`${environment.name}-1.4.1`)));
    const sizes = records.map((record) => Buffer.byteLength(JSON.stringify(record), 'utf8'));
    fullRows.push({ environments: count, targets: count * 9, outcome: `${result.outcome} (${result.level})`, 'wall ms (sandbox validation, 100x)': Math.round(wall), 'DynamoDB calls': runCalls, 'calls per environment': Math.round((runCalls / count) * 10) / 10, 'run record KB': Math.round(sizes[0]! / 102.4) / 10, 'largest joined record KB': Math.round(Math.max(...sizes.slice(1)) / 102.4) / 10 });
    client.destroy();
  }
  console.table(fullRows);
  const at200 = fullRows[3]!;
  const fullAt1000 = fullRows.at(-1)!;
  budgets.push({ budget: 'a full rollback across 1,000 environments x 9 targets: every item within DynamoDB\'s 400 KB', measured: `run record ${fullAt1000['run record KB']} KB, largest joined ${fullAt1000['largest joined record KB']} KB (${fullAt1000.outcome})`, met: (fullAt1000['run record KB'] as number) < 400 && (fullAt1000['largest joined record KB'] as number) < 400 });
  budgets.push({ budget: 'a full rollback across 200 environments x 9 targets: every item under 100 KB', measured: `run record ${at200['run record KB']} KB, largest joined ${at200['largest joined record KB']} KB (${at200.outcome})`, met: (at200['run record KB'] as number) < 100 && (at200['largest joined record KB'] as number) < 100 });

  // A correlated storm: one bad version alarming in every environment at once, every stage validation failing.
  const stormRows: Record<string, unknown>[] = [];
  for (const count of [10, 50, 200]) {
    const client = createDocumentClient(dynamoDbLocal.clientConfig);
    const { config, tableName } = await seededFleet(dynamoDbLocal, client, count, { everyTarget: false });
    const clock = new SandboxClock(new Date(), 100);
    const store = dynamoHistory({ client, tableName, clock });
    const world = new SandboxWorld({ badVersions: ['1.4.1'], recoveryMs: 20_000 }, clock);
    for (const environment of config.environments) world.deploy(environment, (await store.deployments.getDeployment(`${environment.name}-1.4.1`))!);
    const validator = (await import('../helpers/fleet-history')).stormValidator(clock);
    let pairReads = 0;
    const readEnvironment = store.deployments.readEnvironment.bind(store.deployments);
    store.deployments.readEnvironment = (environment, options) => ((pairReads += 1), readEnvironment(environment, options));
    const calls = countDynamoDbCalls(client);
    const started = performance.now();
    const results = await Promise.all(
      config.environments.map((environment) =>
        runRollback({ ...fleetAlarm(clock.now()), detail: { ...fleetAlarm(clock.now()).detail, alarmName: `fleet-${environment.name}-api-5xx` } }, 'bench', { config, history: store, targets: sandboxTargetDrivers(world), validator, notifier: new RecordingNotifier(), clock, logger: quietLogger, remainingTimeMs: () => 900_000 }),
      ),
    );
    const wall = performance.now() - started;
    const records = await Promise.all(config.environments.map((environment) => store.deployments.getDeployment(`${environment.name}-1.4.1`)));
    const decisions = records.filter((record) => record?.timeline?.some((step) => step.step === 'full-scope' && step.facts.sharedFrom === undefined)).length;
    const rolledBack = results.filter((result) => result.outcome === 'rolled_back').length;
    stormRows.push({ environments: count, 'rolled back': rolledBack, 'full-scope decisions': decisions, 'pair reads': pairReads, 'one decision per run would read': count + count * (count - 1), 'DynamoDB calls': calls.length, 'calls per environment': Math.round((calls.length / count) * 10) / 10, 'wall ms': Math.round(wall) });
    client.destroy();
  }
  console.table(stormRows);
  const storm50 = stormRows[1]!;
  budgets.push({ budget: 'a correlated storm of 50 environments: each pair read once per full-scope decision', measured: `${storm50['pair reads']} pair reads, ${storm50['full-scope decisions']} decision(s) (one per run: ${storm50['one decision per run would read']})`, met: (storm50['pair reads'] as number) <= 50 + 49 * (storm50['full-scope decisions'] as number) });
  console.log(`   load average at the end: ${loadavg().map((load) => load.toFixed(2)).join(' / ')}`);
}

console.log(`rollback-controller benchmarks — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
// `npm run bench -- cold-start verdict` runs only those sections (critical-path storm scale full-rollback cli crash cold-start verdict).
const chosen = new Set(process.argv.slice(2));
const wants = (section: string) => chosen.size === 0 || chosen.has(section);
if (['critical-path', 'storm', 'scale', 'organisation', 'full-rollback', 'cli', 'crash'].some(wants)) {
  const dynamoDbLocal = await startDynamoDbLocal();
  try {
    if (wants('critical-path')) await criticalPath(dynamoDbLocal);
    if (wants('storm')) await storm(dynamoDbLocal);
    if (wants('scale')) await historyAtScale(dynamoDbLocal);
    if (wants('scale') || wants('organisation')) await organisation(dynamoDbLocal);
    if (wants('full-rollback')) await timeToFullRollback(dynamoDbLocal, createDocumentClient(dynamoDbLocal.clientConfig));
    if (wants('cli')) await cliLatency(dynamoDbLocal);
    if (wants('crash')) await crashRecovery(dynamoDbLocal);
  } finally {
    await dynamoDbLocal.stop();
  }
}
if (wants('cold-start')) await coldStart();
if (wants('verdict')) await timeToVerdict();
console.log('\nBudgets');
console.table(budgets.map(({ budget, measured, met }) => ({ budget, measured, met: met ? 'yes' : 'NO' })));
