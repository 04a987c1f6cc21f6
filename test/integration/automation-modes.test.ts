import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { EnvironmentMode, RollbackConfig } from '../../shared/config';
import { automationFor } from '../../shared/rollback/automation-mode';
import { cloudWatchMock, createOrchestratorHarness, prodAliasRestore, sampleEvent } from '../helpers/orchestrator-harness';

const withProductionMode = (mode: EnvironmentMode) => (config: RollbackConfig): RollbackConfig => ({
  ...config,
  environments: config.environments.map((environment) => (environment.name === 'production' ? { ...environment, mode } : environment)),
});

describe('which automation applies (pure)', () => {
  const now = new Date('2026-11-23T10:00:00.000Z');
  const pause = { by: 'ana', reason: 'incident 42', at: '2026-11-23T09:00:00.000Z', until: '2026-11-23T11:00:00.000Z' };

  it.each([
    ['the configured mode, with no pause', 'observe', undefined, { mode: 'observe' }],
    ['a person’s pause over the configured mode', 'act', pause, { mode: 'paused', until: pause.until, reason: 'automation in production is paused by ana until 2026-11-23T11:00:00.000Z: incident 42' }],
    ['the configured mode again once the pause lapsed', 'act', { ...pause, until: '2026-11-23T09:59:59.000Z' }, { mode: 'act' }],
    ['a configured pause, with no end', 'paused', undefined, { mode: 'paused', reason: 'automation in production is paused by its configuration (mode "paused"): alarms are announced, not acted on' }],
  ] as const)('%s', (_, configured, current, expected) => {
    expect(automationFor('production', configured, { environment: 'production', events: [], ...(current ? { pause: current } : {}) }, now)).toEqual(expected);
  });
});

describe('an alarm in an environment that is not acting (DynamoDB Local + mocked AWS)', () => {
  it('ignores an alarm whose actions are disabled, read alongside the history, and claims nothing', async () => {
    const harness = await createOrchestratorHarness();
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'demo-shop-prod-api-5xx', ActionsEnabled: false }] });

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'ignored', reason: 'alarm demo-shop-prod-api-5xx has its actions disabled (ActionsEnabled false): not acting on it' });
    expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input)).toEqual([{ AlarmNames: ['demo-shop-prod-api-5xx'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }]);
    expect(harness.mutatingCalls()).toBe(0);
    expect((await harness.record('prod-140'))?.status).toBe('succeeded');
  });

  it('acts when whether the alarm’s actions are enabled cannot be read', async () => {
    const harness = await createOrchestratorHarness();
    cloudWatchMock.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    expect(await harness.run(sampleEvent('alarm-production'))).toMatchObject({ outcome: 'rolled_back' });
    expect(harness.logger.lines.some((line) => line.includes('could not read the alarm (are its actions enabled'))).toBe(true);
  });

  it('observe: decides, simulates each target’s restore with real reads, announces what it would do once, and changes nothing', async () => {
    const harness = await createOrchestratorHarness({ configure: withProductionMode('observe') });

    const first = await harness.run(sampleEvent('alarm-production'));
    const again = await harness.run({ ...sampleEvent('alarm-production'), id: 'another-delivery' });

    expect(first).toMatchObject({ outcome: 'observed', level: 'stage', deploymentId: 'prod-140', fromVersion: '1.4.0', toVersion: '1.3.0' });
    expect(first.reason).toMatch(/^observe mode: would roll production back from 1\.4\.0 to 1\.3\.0 \(alarm demo-shop-prod-api-5xx: .*\) — production: would move alias live: demo-shop-prod-api 42->41, demo-shop-prod-worker 17->16; /);
    expect(again).toMatchObject({ outcome: 'duplicate', reason: expect.stringMatching(/^already observed: production would roll prod-140 back/) });
    expect(harness.mutatingCalls()).toBe(0);
    expect(harness.validatorRequests()).toEqual([]);
    expect(await harness.record('prod-140')).toMatchObject({ status: 'succeeded' });
    expect((await harness.record('prod-140'))?.rollback).toBeUndefined();
    expect(harness.published()).toEqual([
      expect.objectContaining({ Subject: '[OBSERVE] production would roll back 1.4.0 -> 1.3.0', body: expect.objectContaining({ type: 'rollback_observed', severity: 'info', outcome: 'observed' }) }),
    ]);
  });

  it('paused by a person: skipped, saying who paused it and until when, announced once; a person may still roll back', async () => {
    const harness = await createOrchestratorHarness();
    await harness.history.controls.pause({ environment: 'production', by: 'ana', reason: 'incident 42', until: new Date('2026-11-23T12:00:00.000Z') });

    const skipped = await harness.run(sampleEvent('alarm-production'));
    const again = await harness.run({ ...sampleEvent('alarm-production'), id: 'another-delivery' });
    const manual = await harness.run(sampleEvent('manual-rollback'));

    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'automation in production is paused by ana until 2026-11-23T12:00:00.000Z: incident 42' });
    expect(again).toMatchObject({ outcome: 'skipped' });
    expect(harness.published().map((message) => [message.body.type, message.body.outcome])).toEqual([
      ['rollback_skipped', 'skipped'],
      ['rollback_result', 'rolled_back'],
    ]);
    expect(manual).toMatchObject({ outcome: 'rolled_back', level: 'manual' });
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
  });

  it('paused by the configuration: skipped, and says so', async () => {
    const harness = await createOrchestratorHarness({ configure: withProductionMode('paused') });

    expect(await harness.run(sampleEvent('alarm-production'))).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('paused by its configuration') });
    expect(harness.mutatingCalls()).toBe(0);
  });
});
