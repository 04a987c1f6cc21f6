import { InvokeCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { createOrchestratorHarness, DEMO_HISTORY, lambdaMock, prodAliasRestore, sampleEvent, healthy, unhealthy } from '../helpers/orchestrator-harness';

/** The demo history with one deployment recorded irreversible (a data migration ran with it). */
const historyWith = (deploymentId: string) => DEMO_HISTORY.map((spec) => (spec.deploymentId === deploymentId ? { ...spec, irreversible: 'drops column orders.legacy_total' } : spec));

describe('a deployment recorded irreversible (DynamoDB Local + mocked AWS)', () => {
  it('stops automation before it: the alarm escalates critical, nothing is touched, the record stays as it was', async () => {
    const harness = await createOrchestratorHarness({ history: historyWith('prod-140') });

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'skipped', environment: 'production' });
    expect(result.reason).toContain('would go back past prod-140 (1.4.0), recorded irreversible: drops column orders.legacy_total');
    expect(harness.mutatingCalls()).toBe(0);
    expect(harness.published().map((message) => [message.body.type, message.body.severity])).toEqual([['rollback_escalation', 'critical']]);
    expect(await harness.record('prod-140')).toMatchObject({ status: 'succeeded', irreversible: 'drops column orders.legacy_total' });
  });

  it('refuses a person without --force, naming the deployment and the flag, and changes nothing', async () => {
    const harness = await createOrchestratorHarness({ history: historyWith('prod-140') });

    const result = await harness.run(sampleEvent('manual-rollback'));

    expect(result.outcome).toBe('rejected');
    expect(result.reason).toContain('prod-140 (1.4.0), recorded irreversible');
    expect(result.reason).toContain('rollbackctl rollback --env production --force');
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('lets a person roll back past it with force, and the history says it was forced', async () => {
    const harness = await createOrchestratorHarness({ history: historyWith('prod-140') });

    const result = await harness.run({ ...sampleEvent('manual-rollback'), force: true });

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'manual', toVersion: '1.3.0' });
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    expect((await harness.record('prod-140'))?.timeline?.[0]).toMatchObject({ step: 'claim', facts: { force: true, reason: expect.stringContaining('forced past irreversible deployments') } });
  });

  it('leaves another environment out of a full rollback when restoring it would go back past one', async () => {
    const harness = await createOrchestratorHarness({ history: historyWith('stag-140') });
    lambdaMock.on(InvokeCommand).resolvesOnce(unhealthy).resolves(healthy);

    const result = await harness.run(sampleEvent('alarm-production'));

    const scope = result.timeline.find((step) => step.step === 'full-scope');
    expect(scope?.detail).toContain('full rollback of production; left out: staging (restoring 1.3.0 would go back past stag-140, recorded irreversible');
    expect(await harness.record('stag-140')).toMatchObject({ status: 'succeeded' });
    expect(harness.aliasUpdates().every((update) => !update.FunctionName?.includes('staging'))).toBe(true);
  });
});
