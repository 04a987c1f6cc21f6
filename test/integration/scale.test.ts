import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dynamoHistory } from '../../shared/history/dynamo-history';
import { runRollback } from '../../shared/rollback/rollback-runner';
import { RecordingNotifier, sandboxCheckPorts, sandboxTargetDrivers } from '../../shared/sandbox/sandbox-adapters';
import { SandboxClock } from '../../shared/sandbox/sandbox-clock';
import { SandboxWorld } from '../../shared/sandbox/sandbox-world';
import { answerValidationRequest } from '../../shared/validation/validate-rollback';
import type { ValidationRequest } from '../../shared/validation/validation-contract';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { findEnvironment, loadConfig, type RollbackConfig } from '../../shared/config';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { reconcileRuns, RECONCILE_SWEEP_VERSION } from '../../shared/rollback/reconciler';
import type { RollbackDependencies } from '../../shared/rollback/run-dependencies';
import { fleetConfig } from '../helpers/fleet-config';
import { seedFleetReleases, stormValidator, withoutHealthChecks } from '../helpers/fleet-history';
import { countDynamoDbCalls } from '../helpers/dynamodb-calls';
import { createTestHistory } from '../helpers/history-table';

// DynamoDB Local, real ports; no AWS target is touched when nothing is due.
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const untouched = (what: string) => () => {
  throw new Error(`${what} was used, but nothing was due`);
};

async function reconcilerOn(config: RollbackConfig) {
  const history = await createTestHistory({ start: '2026-12-06T10:00:00.000Z' });
  const calls = countDynamoDbCalls(history.client);
  const deps: RollbackDependencies = {
    config,
    history: history.ports,
    targets: { driverFor: untouched('a target') },
    validator: { validate: untouched('the validator') },
    notifier: { notify: untouched('the notifier') },
    clock: history.clock,
    logger: silent,
    remainingTimeMs: () => 900_000,
  };
  const tick = async () => {
    calls.length = 0;
    const result = await reconcileRuns('reconciler', deps, () => 0);
    return { result, calls: [...calls] };
  };
  return { history, tick };
}

describe('the reconciler at the size of an organisation (DynamoDB Local)', () => {
  it('costs two reads a tick with 1,000 environments and no open run: the sweep marker and one Query of the reconcile queue', async () => {
    const { history, tick } = await reconcilerOn(fleetConfig(1_000));
    await history.runs.noteSweep(RECONCILE_SWEEP_VERSION);

    const { result, calls } = await tick();

    expect(calls.sort()).toEqual(['GetItem', 'Query']);
    expect(result).toMatchObject({ outcome: 'reconciled', reason: '0 unfinished run(s) due, 0 resumed', runs: [] });
  });

  it('sweeps a table from before the queue once — every environment read, each head queued — then reads only the queue', async () => {
    const config = loadConfig('rollback.config.json');
    const { history, tick } = await reconcilerOn(config);

    const first = await tick();
    const second = await tick();
    history.clock.advance(60 * 60_000);
    const hourLater = await tick();

    // Per environment: its two rollbacks-index partitions, its head, its ledger fill and readiness reads, its queue entry.
    expect(first.calls.length).toBeGreaterThan(3 * config.environments.length);
    expect(first.result.reason).toMatch(/^0 unfinished run\(s\) due, 0 resumed; every environment swept \(3\)/);
    expect(await history.runs.readSweep()).toBe(RECONCILE_SWEEP_VERSION);
    expect(second.calls.sort()).toEqual(['GetItem', 'Query']);
    // An hour on, each environment is due its readiness check again: read, checked, queued for the next hour.
    expect(hourLater.result.reason).toMatch(/readiness checked in 3 environment\(s\)/);
    for (const environment of config.environments) expect((await history.controls.readHead(findEnvironment(config, environment.name).name))?.readiness?.checkedAt).toBe(history.clock.now().toISOString());
  });
});

describe('an environment\'s rollback ledger', () => {
  it('stays bounded where no rollback is ever claimed (it only joins others\' full rollbacks): its due check drops entries the guards no longer read', async () => {
    const config = loadConfig('rollback.config.json');
    const { history, tick } = await reconcilerOn(config);
    await tick();
    const entry = (index: number, startedAt: string) =>
      ({ deploymentId: `joined-${index}`, environment: 'staging', rollbackStartedAt: startedAt, rollback: { runId: `run-${index}`, startedAt, finishedAt: startedAt, trigger: { type: 'alarm' }, mode: 'automatic' } }) as unknown as DeploymentRecord;
    const old = Array.from({ length: 50 }, (_, index) => entry(index, new Date(Date.parse('2026-12-03T10:00:00.000Z') + index * 60_000).toISOString()));
    await history.controls.fillLedger('staging', new Date('2026-12-01T00:00:00.000Z'), [...old, entry(50, '2026-12-06T09:30:00.000Z'), entry(51, '2026-12-06T09:45:00.000Z')]);
    expect((await history.controls.readHead('staging'))!.rollbacks).toHaveLength(52);

    history.clock.advance(60 * 60_000);
    await tick();

    const head = (await history.controls.readHead('staging'))!;
    expect(head.rollbacks.map((each) => each.runId).sort()).toEqual(['run-50', 'run-51']);
    // It still says truthfully from when on it holds every rollback: the guards' window.
    expect(head.coversSince).toBe(new Date(history.clock.now().getTime() - 86_400_000).toISOString());
  });
});

/** The fleet's known good a day before the bad release, which went out ten minutes before the alarm. */
const RELEASES = { source: 'test', goodAt: new Date('2026-12-05T08:00:00.000Z'), badAt: new Date('2026-12-06T07:50:00.000Z') };

describe('a full rollback across 200 environments of nine targets each (DynamoDB Local, the sandbox)', () => {
  it('completes, every environment rolled back, every item under 100 KB: each joined environment keeps its own restore facts, the run keeps a summary', async () => {
    const config = withoutHealthChecks(fleetConfig(200, {}, { everyTarget: true }));
    const seeded = await createTestHistory({ start: '2026-12-06T08:00:00.000Z' });
    await seedFleetReleases(seeded.deployments, config, RELEASES);
    // The run on sandbox time from here: the bad release breaks every environment running it (one shared cause).
    const clock = new SandboxClock(new Date('2026-12-06T08:00:00.000Z'), 100);
    const history = dynamoHistory({ client: seeded.client, tableName: seeded.tableName, clock });
    const world = new SandboxWorld({ badVersions: ['1.4.1'], contagiousVersions: ['1.4.1'], recoveryMs: 20_000, alarmShape: { periodSeconds: 10, evaluationPeriods: 3, datapointsToAlarm: 3 } }, clock);
    for (const environment of config.environments) world.deploy(environment, (await history.deployments.getDeployment(`${environment.name}-1.4.1`))!);
    const ports = sandboxCheckPorts(world);
    const requests: ValidationRequest[] = [];

    const result = await runRollback(
      { version: '0', id: randomUUID(), 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', account: '123456789012', time: clock.now().toISOString(), region: 'eu-west-1', resources: [], detail: { alarmName: 'fleet-env0-api-5xx', state: { value: 'ALARM', timestamp: clock.now().toISOString() }, previousState: { value: 'OK', timestamp: '2026-12-06T07:55:00.000Z' } } } as never,
      'scale',
      {
        config,
        history,
        targets: sandboxTargetDrivers(world),
        validator: { validate: (request) => (requests.push(request), answerValidationRequest(request, { ports, clock, sleep: (ms) => clock.sleep(ms), remainingTimeMs: () => 900_000 })) },
        notifier: new RecordingNotifier(),
        clock,
        logger: silent,
        remainingTimeMs: () => 900_000,
      },
    );

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'full' });
    // The full validation saw every environment's restored targets, read back from their own records' facts.
    expect(requests.at(-1)!.environments).toHaveLength(200);
    expect(requests.at(-1)!.environments.every((environment) => environment.expectations?.length === 8)).toBe(true); // a hook promises nothing to observe
    const records = (await Promise.all(config.environments.map((environment) => history.deployments.listHistory({ environment: environment.name, limit: 10 })))).flatMap((page) => page.items);
    const heads = await Promise.all(config.environments.map((environment) => seeded.client.send(new GetCommand({ TableName: seeded.tableName, Key: { deploymentId: `control#${environment.name}` } }))));
    const sizes = [...records, ...heads.map((head) => head.Item)].map((item) => Buffer.byteLength(JSON.stringify(item), 'utf8'));
    expect(records.filter((record) => record.version === '1.4.1').map((record) => record.status)).toEqual(Array(200).fill('rolled_back'));
    expect(Math.max(...sizes)).toBeLessThan(100_000);
    const origin = records.find((record) => record.deploymentId === 'env0-1.4.1')!;
    const joined = records.find((record) => record.deploymentId === 'env199-1.4.1')!;
    // The run's record names the origin and counts the 199 others; their facts are on their own records.
    expect(origin.timeline!.find((step) => step.step === 'full-rollback')!.facts).toEqual({ environments: [expect.objectContaining({ environment: 'env0' })], joined: { count: 199, verdicts: { restored: 199 } } });
    expect(joined.timeline!.find((step) => step.step === 'full-rollback')!.facts).toMatchObject({ environments: [{ environment: 'env199', targets: expect.arrayContaining([expect.objectContaining({ target: 'lambda-alias', outcome: 'restored' })]) }] });
  }, 240_000);
});

describe('a correlated storm: one bad version alarming in 50 environments at once (DynamoDB Local, the sandbox)', () => {
  it('takes one full-scope decision: one run reads the other environments\' pairs, the other 49 keep to their own environment and name the run that decided', async () => {
    const config = withoutHealthChecks(fleetConfig(50));
    const seeded = await createTestHistory({ start: '2026-12-06T08:00:00.000Z' });
    await seedFleetReleases(seeded.deployments, config, RELEASES);
    const clock = new SandboxClock(new Date('2026-12-06T08:00:00.000Z'), 100);
    const history = dynamoHistory({ client: seeded.client, tableName: seeded.tableName, clock });
    const world = new SandboxWorld({ badVersions: ['1.4.1'], recoveryMs: 20_000 }, clock);
    for (const environment of config.environments) world.deploy(environment, (await history.deployments.getDeployment(`${environment.name}-1.4.1`))!);
    // Every stage rollback "does not recover" (the shared cause is elsewhere), so every run reaches its full-scope decision.
    const validator = stormValidator(clock);
    const pairReads: string[] = [];
    const readEnvironment = history.deployments.readEnvironment.bind(history.deployments);
    history.deployments.readEnvironment = (environment, options) => (pairReads.push(environment.name), readEnvironment(environment, options));
    const alarm = (index: number) =>
      ({ version: '0', id: randomUUID(), 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', account: '123456789012', time: clock.now().toISOString(), region: 'eu-west-1', resources: [], detail: { alarmName: `fleet-env${index}-api-5xx`, state: { value: 'ALARM', timestamp: clock.now().toISOString() }, previousState: { value: 'OK', timestamp: '2026-12-06T07:55:00.000Z' } } }) as never;

    const results = await Promise.all(
      config.environments.map((_, index) =>
        runRollback(alarm(index), `storm-${index}`, { config, history, targets: sandboxTargetDrivers(world), validator, notifier: new RecordingNotifier(), clock, logger: silent, remainingTimeMs: () => 900_000 }),
      ),
    );

    expect(results.map((result) => `${result.outcome} ${result.level}`)).toEqual(Array(50).fill('rolled_back full'));
    const records = await Promise.all(config.environments.map((environment) => history.deployments.getDeployment(`${environment.name}-1.4.1`)));
    const scopes = records.map((record) => record!.timeline!.find((step): step is Extract<typeof step, { step: 'full-scope' }> => step.step === 'full-scope')!);
    const deciders = scopes.filter((scope) => scope.facts.sharedFrom === undefined);
    expect(deciders).toHaveLength(1);
    const decider = deciders[0]!;
    // The one decision read the 49 other pairs (each already held by its own run: left out, named up to 25 and counted); every other run read none.
    expect(decider.facts).toMatchObject({ entries: [expect.objectContaining({ environment: records[scopes.indexOf(decider)]!.environment })], leftCount: 49 });
    expect(decider.facts.left).toHaveLength(25);
    expect(decider.facts.left[0]!.why).toMatch(/is being rolled back by run /);
    for (const scope of scopes.filter((candidate) => candidate !== decider)) {
      expect(scope.facts).toEqual({ entries: [expect.any(Object)], left: [], sharedFrom: { runId: decider.runId, deploymentId: records[scopes.indexOf(decider)]!.deploymentId, since: expect.any(String) } });
    }
    // Each run read its own environment once when the alarm came; one full-scope decision read the other 49 (2,450 with one decision per run).
    expect(pairReads).toHaveLength(50 + 49);
    expect(records.map((record) => record!.status)).toEqual(Array(50).fill('rolled_back'));
  }, 240_000);
});
