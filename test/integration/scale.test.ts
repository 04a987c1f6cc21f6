import { describe, expect, it } from 'vitest';
import { findEnvironment, loadConfig, type RollbackConfig } from '../../shared/config';
import { reconcileRuns, RECONCILE_SWEEP_VERSION } from '../../shared/rollback/reconciler';
import type { RollbackDependencies } from '../../shared/rollback/run-dependencies';
import { fleetConfig } from '../helpers/fleet-config';
import { createTestHistory } from '../helpers/history-table';

// DynamoDB Local, real ports; no AWS target is touched when nothing is due.
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const untouched = (what: string) => () => {
  throw new Error(`${what} was used, but nothing was due`);
};

async function reconcilerOn(config: RollbackConfig) {
  const history = await createTestHistory({ start: '2026-12-06T10:00:00.000Z' });
  const calls: string[] = [];
  history.client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
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
