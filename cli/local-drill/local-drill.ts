import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findEnvironment, withTargetLocations, type EnvironmentMode, type RollbackConfig } from '../../shared/config';
import type { DeploymentHistory } from '../../shared/history/deployment-history';
import type { HistoryPorts } from '../../shared/history/dynamo-history';
import { RecordingNotifier, sandboxAlarmActions, sandboxTargetDrivers } from '../../shared/sandbox/sandbox-adapters';
import { SandboxClock } from '../../shared/sandbox/sandbox-clock';
import { LocalValidator } from '../../shared/sandbox/local-validator';
import { SandboxWorld, type SandboxFaults } from '../../shared/sandbox/sandbox-world';
import { isFunctionUrlEvent } from '../../shared/events/request-entry';
import { answerInvocation } from '../../shared/rollback/answer-invocation';
import { runRollback, type RollbackDependencies, type RunLogger } from '../../shared/rollback/rollback-runner';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import { UsageError } from '../cli-errors';
import { JSON_SCHEMA_VERSION, type CliIo } from '../cli-context';
import type { HistoryConnection } from '../history-connection';
import { renderRunPicture } from '../run-picture';
import { renderHistory } from '../text-output';
import { demoRestorePoints, recordCompletedDeployment, seedDemoHistory } from './demo-history';
import { DrillPrinter } from './drill-printer';
import { describeFaults, SCENARIOS, type Scenario, type ScenarioName } from './scenarios';

/** Validation polling runs this many times faster than wall time in the sandbox. */
export const SANDBOX_COMPRESSION = 100;
/** The Lambda time a local run pretends to have (the orchestrator's 15 minutes). */
const LOCAL_INVOCATION_MS = 900_000;

export interface LocalDrillOptions {
  /** How much faster than wall time validation polling runs in the sandbox (default SANDBOX_COMPRESSION). */
  compression?: number;
  scenario: ScenarioName;
  /** An event to run instead of a scenario, read (and checked to be JSON) before anything starts. */
  event?: { file: string; body: unknown };
  /** Deliver the event exactly as saved: run again, it is a retry of the first delivery. */
  exact?: boolean;
  json?: boolean;
  /** Which configuration the drill plays, in words (the CLI says where it found it). */
  configInUse?: string;
}

const quietLogger: RunLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function alarmNameFor(config: RollbackConfig, environment: string): string {
  return `${findEnvironment(config, environment).alarms.prefixes[0]}api-5xx`;
}

/** An alarm going into ALARM for an environment, as EventBridge delivers it (or changing again while in ALARM since `inAlarmSince`). */
export function alarmEvent(config: RollbackConfig, environment: string, at: Date, id: string, inAlarmSince?: Date, from: { account: string; region: string } = SANDBOX_HOME): Record<string, unknown> {
  const alarmName = alarmNameFor(config, environment);
  const previousState = inAlarmSince
    ? { value: 'ALARM', reason: 'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (5.0) (sandbox)', timestamp: inAlarmSince.toISOString() }
    : { value: 'OK', reason: 'Threshold Crossed: datapoints were not greater than the threshold', timestamp: new Date(at.getTime() - 60_000).toISOString() };
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: from.account,
    time: at.toISOString(),
    region: from.region,
    resources: [`arn:aws:cloudwatch:${from.region}:${from.account}:alarm:${alarmName}`],
    detail: {
      alarmName,
      previousState,
      state: { value: 'ALARM', reason: 'Threshold Crossed: 1 out of the last 1 datapoints [42.0] was greater than the threshold (5.0) (sandbox)', timestamp: at.toISOString() },
    },
  };
}

/** Reads an event file; a missing or non-JSON file is a usage error, raised before DynamoDB Local starts. */
export function readEventFile(path: string, cwd: string): { file: string; body: unknown } {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read event file ${path}: ${(error as Error).message}`);
  }
  try {
    return { file: path, body: JSON.parse(text) };
  } catch (error) {
    throw new UsageError(`event file ${path} is not JSON: ${(error as Error).message}`);
  }
}

/** Records the scenario's new bad release (1.4.N) in its environments, minutes before the alarm. */
async function deployBadRelease(store: DeploymentHistory, config: RollbackConfig, environments: readonly string[], clock: SandboxClock, failsInLast = false): Promise<string | undefined> {
  if (environments.length === 0) return undefined;
  // Numbered across every environment, so each drill's release is new everywhere.
  const pages = await Promise.all(config.environments.map(({ name }) => store.listHistory({ environment: name, limit: 100 })));
  const patches = pages.flatMap((page) => page.items.map((item) => Number(/^1\.4\.(\d+)$/.exec(item.version)?.[1] ?? 0)));
  const patch = Math.max(0, ...patches) + 1;
  const version = `1.4.${patch}`;
  for (const [index, name] of environments.entries()) {
    const environment = findEnvironment(config, name);
    const startedAt = clock.now().getTime() - (20 - index * 5) * 60_000;
    await recordCompletedDeployment(store, {
      deploymentId: `sandbox-${name}-${version}`,
      environment: name,
      version,
      // A deploy that failed after it moved traffic: it recorded where traffic is, so it is live.
      status: failsInLast && index === environments.length - 1 ? 'failed' : 'succeeded',
      at: new Date(startedAt),
      source: 'sandbox',
      recordedBy: 'local drill',
      // Odd numbers after the seeded 10–14: each bad release is a new Lambda version and lands on the other blue/green side.
      restorePoints: demoRestorePoints(environment, { version, number: 19 + 2 * patch }),
    });
  }
  return version;
}

/**
 * `rollbackctl drill --local`: the real orchestrator and validator over sandbox targets, on the
 * local DynamoDB history. Returns the exit code: 0 for every handled outcome.
 */
export async function runLocalDrill(connection: HistoryConnection, config: RollbackConfig, options: LocalDrillOptions, io: CliIo): Promise<number> {
  const wallStart = Date.now();
  const scenario = SCENARIOS.get(options.scenario);
  if (!scenario) throw new UsageError(`unknown scenario "${options.scenario}": use one of ${[...SCENARIOS.keys()].join(', ')}`);
  const badReleaseTo = scenario.deployBadReleaseTo(config);
  const saved = options.event?.body;
  // An event file runs as given, whatever it holds (null, false, 0, "" are rejected by the orchestrator, never a scenario).
  const isEventRun = options.event !== undefined;
  const printer = new DrillPrinter(io, options.json === true);

  printer.line(`rollback-controller local drill — ${isEventRun ? `event ${options.event?.file}` : `scenario ${scenario.name}: ${scenario.story}`}`);
  if (options.configInUse) printer.line(`  config:  ${options.configInUse}`);
  // Every drill from the same history: made afresh, the demo releases seeded (none for a scenario about an empty one).
  const realNow = new Date();
  await connection.recreate();
  const compression = options.compression ?? SANDBOX_COMPRESSION;
  const clock = new SandboxClock(realNow, compression);
  const history: HistoryPorts = connection.historyWithClock(clock);
  const usesEmptyHistory = !isEventRun && scenario.usesEmptyHistory;
  if (usesEmptyHistory) {
    printer.line(`  history: ${connection.description}, made afresh and left empty for this scenario`);
  } else {
    const seeded = await seedDemoHistory(history.deployments, config, realNow);
    printer.line(`  history: ${connection.description}, made afresh: ${seeded} demo deployments of 1.0.0 to 1.3.0 across ${config.environments.map((environment) => environment.name).join(', ')}`);
  }
  // A saved event replayed is a new delivery: a fresh id and the sandbox's now (the same id again would be a duplicate).
  const event = !isEventRun || options.exact ? saved : asFreshDelivery(saved, clock.now());
  if (event !== saved) printer.line('  event:   replayed as a new delivery: a fresh id (or requestId) and the sandbox time');
  printer.line(`  clock:   sandbox time from ${realNow.toISOString()}; validation polling compressed ${compression}x`);

  const badVersion = isEventRun ? undefined : await deployBadRelease(history.deployments, config, badReleaseTo, clock, scenario.trigger === 'deploy_failure');
  const actives = await Promise.all(config.environments.map(async (environment) => ({ environment, active: (await history.deployments.findRollbackPair(environment)).activeDeployment })));
  // For an arbitrary event, whatever each environment runs now is what its alarms are about.
  const inAlarmSince = !isEventRun && scenario.alarmInAlarmForMinutes !== undefined ? new Date(clock.now().getTime() - scenario.alarmInAlarmForMinutes * 60_000) : undefined;
  // A drill request rehearses on a healthy system (nothing is restored, so a fault would never clear); any other event is about what runs now.
  const isDrillRequest = (event as { action?: unknown } | null | undefined)?.action === 'drill';
  const faults: SandboxFaults = isEventRun
    ? { badVersions: isDrillRequest ? [] : actives.flatMap(({ active }) => (active ? [active.version] : [])), recoveryMs: 25_000 }
    : { ...scenario.faults(badVersion ?? ''), ...(inAlarmSince ? { alarmInAlarmSince: inAlarmSince.toISOString() } : {}) };
  const world = new SandboxWorld(faults, clock);
  for (const { environment, active } of actives) if (active) world.deploy(environment, active);
  tagEventAlarm(world, event);
  if (badVersion) printer.line(`  sandbox: ${badReleaseTo.join(' and ')} just deployed ${badVersion}${scenario.trigger === 'deploy_failure' ? ' — and the deploy failed after it moved traffic' : ''}`);
  for (const fault of describeFaults(world.faults)) printer.line(`  fault:   ${fault}`);
  const alarmEnvironment = badReleaseTo.at(-1) ?? 'production';
  if (!isEventRun && scenario.environmentMode) printer.line(`  mode:    ${alarmEnvironment} runs in mode "${scenario.environmentMode}" for this drill (the configuration file is unchanged)`);
  printer.line();

  const notifier = new RecordingNotifier();
  const dependencies: RollbackDependencies = {
    config: isEventRun ? config : placedFor(scenario, alarmEnvironment, scenario.environmentMode ? withEnvironmentMode(config, alarmEnvironment, scenario.environmentMode) : config),
    history,
    targets: sandboxTargetDrivers(world),
    validator: new LocalValidator(world, clock, (round, passes, checks) => printer.round(round, passes, config.policy.validation.consecutivePasses, checks)),
    notifier,
    alarms: sandboxAlarmActions(world),
    clock,
    logger: quietLogger,
    remainingTimeMs: () => LOCAL_INVOCATION_MS,
    onStep: (step) => printer.step(step),
  };
  const sandboxStart = clock.now().getTime();
  // An event file enters as it would the deployed orchestrator: a manual rollback only through the request URL (the sample request-url-rollback.json).
  const results = isEventRun
    ? [(await answerInvocation(event, `local-${randomUUID()}`, dependencies, { forcePrincipals: config.policy.forcePrincipals, refusedRoles: [] })).result]
    : await runScenario(scenario, alarmEnvironment, config, dependencies, clock, printer);

  const sandboxMs = clock.now().getTime() - sandboxStart;
  const starts = notifier.published.filter((notification) => notification.type === 'rollback_started');
  if (starts.length > 0) printer.line();
  for (const start of starts) printer.started(start);
  for (const notification of notifier.published.filter((published) => published.type !== 'rollback_started')) {
    printer.line();
    printer.notification(notification);
  }
  // Each run that acted, on a time axis (a storm's duplicates have no steps of their own).
  for (const result of results.filter((each) => each.timeline.some((step) => step.step === 'claim'))) {
    const picture = renderRunPicture(result.timeline, io.columns ?? 80);
    if (picture.length > 0) printer.line(['', `${result.environment ?? 'the run'} on a time axis (sandbox time):`, ...picture].join('\n'));
  }
  const environment = results.find((result) => result.environment)?.environment;
  if (environment) {
    printer.line();
    printer.line(`${environment} history, newest first:`);
    const [page, head] = await Promise.all([history.deployments.listHistory({ environment, limit: 8 }), history.controls.readHead(environment)]);
    printer.line(renderHistory(page.items, head?.live?.deploymentId, io.columns));
  }
  // The verdict last, with the step that failed just above it: what a person reads at 3 a.m. stays on screen.
  printer.line();
  for (const result of summarize(results, printer)) printer.outcome(result, sandboxMs, Date.now() - wallStart);
  if (options.json) io.out(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, runs: results }, null, 2));
  return 0;
}

/** A saved event as a new delivery of the same thing: new id (or requestId), its times now; anything else unchanged. Pure but for the id. */
export function asFreshDelivery(event: unknown, now: Date): unknown {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
  const body = event as Record<string, unknown>;
  const fresh = randomUUID().slice(0, 8);
  if (body.source === 'aws.cloudwatch' && typeof body.detail === 'object' && body.detail !== null) {
    const detail = body.detail as Record<string, unknown>;
    const state = typeof detail.state === 'object' && detail.state !== null ? { ...(detail.state as Record<string, unknown>), timestamp: now.toISOString() } : detail.state;
    return { ...body, ...(typeof body.id === 'string' ? { id: `${body.id}-${fresh}` } : {}), time: now.toISOString(), detail: { ...detail, state } };
  }
  if (typeof body.requestId === 'string') return { ...body, requestId: `${body.requestId}-${fresh}` };
  // A request through the request URL: its body is the request.
  if (isFunctionUrlEvent(body) && typeof body.body === 'string') {
    try {
      return { ...body, body: JSON.stringify(asFreshDelivery(JSON.parse(body.body), now)) };
    } catch {
      return event;
    }
  }
  return event;
}

/** Where the sandbox's own alarms come from: the controller's account and region in a drill. */
const SANDBOX_HOME = { account: '000000000000', region: 'local' };

/** The configuration with the alarm's environment in another account and region, as the scenario says (targets through its role). Pure. */
function placedFor(scenario: Scenario, environment: string, config: RollbackConfig): RollbackConfig {
  const place = scenario.elsewhere;
  if (!place) return config;
  return {
    ...config,
    home: { account: SANDBOX_HOME.account, region: 'eu-west-1' },
    environments: config.environments.map((each) => (each.name === environment ? withTargetLocations({ ...each, ...place }) : each)),
  };
}

/** The configuration with one environment in another mode. Pure. */
function withEnvironmentMode(config: RollbackConfig, environment: string, mode: EnvironmentMode): RollbackConfig {
  return { ...config, environments: config.environments.map((each) => (each.name === environment ? { ...each, mode } : each)) };
}

async function runScenario(scenario: Scenario, environment: string, config: RollbackConfig, dependencies: RollbackDependencies, clock: SandboxClock, printer: DrillPrinter): Promise<RollbackRunResult[]> {
  const { pauseBefore } = scenario;
  if (pauseBefore) {
    const control = await dependencies.history.controls.pause({ environment, by: pauseBefore.by, reason: pauseBefore.reason, until: new Date(clock.now().getTime() + pauseBefore.minutes * 60_000) });
    printer.line(`▶ ${pauseBefore.by} paused automation in ${environment} until ${control.pause!.until}: ${pauseBefore.reason}`);
  }
  try {
    return await fireAlarms(scenario, environment, config, dependencies, clock, printer);
  } finally {
    // The accumulated local history is not left paused for the next drill.
    if (pauseBefore) await dependencies.history.controls.resume({ environment, by: pauseBefore.by, reason: 'the drill is over' });
  }
}

async function fireAlarms(scenario: Scenario, environment: string, config: RollbackConfig, dependencies: RollbackDependencies, clock: SandboxClock, printer: DrillPrinter): Promise<RollbackRunResult[]> {
  if (scenario.trigger === 'deploy_failure') {
    const failed = (await dependencies.history.deployments.findRollbackPair(findEnvironment(config, environment))).activeDeployment;
    printer.line(`▶ the pipeline reports that the deploy ${failed?.deploymentId ?? '?'} failed (${environment} rolls back failed deploys)`);
    const request = { action: 'deploy_failed', environment, deploymentId: failed?.deploymentId ?? '?', requestedBy: 'codepipeline (sandbox)', requestId: `deploy-failed-${randomUUID()}` };
    return [await runRollback(request, request.requestId, dependencies)];
  }
  const firedAt = clock.now();
  const deliveries = scenario.alarmDeliveries === 1 ? 'alarm' : `${scenario.alarmDeliveries} deliveries of alarm`;
  const inAlarmSince = scenario.alarmInAlarmForMinutes !== undefined ? new Date(firedAt.getTime() - scenario.alarmInAlarmForMinutes * 60_000) : undefined;
  const results: RollbackRunResult[] = [];
  if (scenario.elsewhere) {
    // The same alarm name in the controller's own account: not the environment's, whatever its name says.
    printer.line(`▶ alarm ${alarmNameFor(config, environment)} went into ALARM in the controller's own account ${SANDBOX_HOME.account}`);
    const id = randomUUID();
    results.push(await runRollback(alarmEvent(config, environment, firedAt, id), id, dependencies));
    printer.line(`  ignored: ${results[0]!.reason ?? ''}`);
  }
  printer.line(inAlarmSince ? `▶ alarm ${alarmNameFor(config, environment)}, in ALARM since ${inAlarmSince.toISOString()}, changed again (${environment})` : `▶ ${deliveries} ${alarmNameFor(config, environment)} went into ALARM (${environment}${scenario.elsewhere ? `, account ${scenario.elsewhere.account}, ${scenario.elsewhere.region}` : ''})`);
  results.push(...(await Promise.all(
    Array.from({ length: scenario.alarmDeliveries }, () => {
      const id = randomUUID();
      return runRollback(alarmEvent(config, environment, firedAt, id, inAlarmSince, scenario.elsewhere), id, dependencies);
    }),
  )));
  if (scenario.secondAlarmAfterMinutes !== undefined) {
    clock.advance(scenario.secondAlarmAfterMinutes * 60_000);
    printer.line();
    printer.line(`▶ ${scenario.secondAlarmAfterMinutes} minutes later the alarm fires again (${environment})`);
    const id = randomUUID();
    results.push(await runRollback(alarmEvent(config, environment, clock.now(), id), id, dependencies));
  }
  return results;
}

/** An event's alarm routed by its environment tag belongs to that environment in the sandbox too. */
function tagEventAlarm(world: SandboxWorld, event: unknown): void {
  const detail = (event as { detail?: { alarmName?: unknown; alarmTags?: { environment?: unknown } } } | undefined)?.detail;
  if (typeof detail?.alarmName === 'string' && typeof detail.alarmTags?.environment === 'string') world.tagAlarm(detail.alarmName, detail.alarmTags.environment);
}

/** Many identical outcomes (a storm) are counted on one line; the distinct ones are shown. */
function summarize(results: readonly RollbackRunResult[], printer: DrillPrinter): RollbackRunResult[] {
  if (results.length <= 2) return [...results];
  const order: RollbackRunResult['outcome'][] = ['rolled_back', 'rollback_failed', 'handed_over', 'observed', 'skipped', 'duplicate', 'ignored', 'rejected'];
  const counts = order.map((outcome) => [outcome, results.filter((result) => result.outcome === outcome).length] as const).filter(([, count]) => count > 0);
  printer.line(`${results.length} alarm deliveries: ${counts.map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`);
  return results.filter((result) => result.outcome !== 'duplicate');
}
