import { InvokeCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { renderDeployment, renderHistory } from '../../cli/text-output';
import type { RollbackConfig } from '../../shared/config';
import { MAX_EVIDENCE_DETAIL, MAX_JOURNALED_EVIDENCE } from '../../shared/history/run-journal';
import { measuredResults, metricsFor } from '../../shared/rollback/run-metrics';
import { createOrchestratorHarness, healthy, lambdaMock, prodAliasRestore, sampleEvent, throughRequestUrl, validatorPayload } from '../helpers/orchestrator-harness';

/** What the validator answers when nothing showed either way: the alarm had no datapoints within the budget. */
const inconclusive = validatorPayload({
  success: false,
  verdict: 'inconclusive',
  concludedBy: 'budget',
  rounds: 31,
  durationMs: 300_000,
  reason: 'no verdict within 300 s (31 round(s)): production alarm demo-shop-prod-api-5xx: no datapoints in 29 complete period(s) since the restore: no traffic, or no data, is no evidence',
  decidedBy: { environment: 'production', check: 'alarm demo-shop-prod-api-5xx', detail: 'no datapoints in 29 complete period(s) since the restore: no traffic, or no data, is no evidence' },
  evidence: [
    { environment: 'production', check: 'alarm demo-shop-prod-api-5xx', verdict: 'inconclusive', basis: 'datapoints', datapoints: 0, detail: 'no datapoints in 29 complete period(s) since the restore: no traffic, or no data, is no evidence' },
    { environment: 'production', check: 'health', verdict: 'recovered', basis: 'probe', detail: '1 endpoint(s) healthy 31 rounds in a row' },
  ],
});

/** A verdict of not recovered with more evidence than a journal keeps, each detail longer than it keeps. */
const stillBad = validatorPayload({
  success: false,
  verdict: 'not_recovered',
  concludedBy: 'alarm_breaching',
  rounds: 7,
  reason: 'production alarm demo-shop-prod-api-5xx: 12 for the period from 2026-11-23T10:16:00.000Z breaches its threshold (>= 5), in the first complete period after the restore',
  decidedBy: { environment: 'production', check: 'alarm demo-shop-prod-api-5xx', at: '2026-11-23T10:17:00.000Z', detail: '12 breaches >= 5' },
  evidence: Array.from({ length: 20 }, (_, index) => ({ environment: 'production', check: `alarm a-${index}`, verdict: index === 7 ? ('not_recovered' as const) : ('recovered' as const), datapoints: 3, basis: 'datapoints' as const, detail: 'x'.repeat(1_000) })),
});

describe('a validation without a verdict (DynamoDB Local + mocked AWS)', () => {
  it('keeps the restore and ends the run unverified: nothing widens on no evidence, and it says what was missing and where to look', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolves(inconclusive);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'unverified', level: 'stage', completedHere: true, notification: { type: 'rollback_result', severity: 'warning' } });
    expect(result.timeline.map((step) => step.step)).toEqual(['claim', 'stage-rollback', 'stage-validation', 'complete', 'notify']);
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    const record = await harness.record('prod-140');
    expect(record).toMatchObject({ status: 'rolled_back', rollback: { level: 'stage', verdict: 'unverified', targetVersion: '1.3.0' } });
    expect(harness.published().map((message) => [message.Subject, message.body.outcome, message.body.severity])).toEqual([['production unverified (stage) 1.4.0 -> 1.3.0', 'unverified', 'warning']]);
    expect(harness.published()[0]!.body.reason).toContain('no datapoints in 29 complete period(s) since the restore: no traffic, or no data, is no evidence');
    // Counted once as a rollback, and as unverified; its times to restore and to verdict measured.
    expect(measuredResults(result).flatMap(metricsFor).map((datum) => datum.name)).toEqual(['Rollbacks', 'AutomaticRollbacks', 'RollbackDuration', 'RollbackUnverified', 'TimeToRestore', 'TimeToVerdict']);
    // The history and show say so, with the evidence.
    expect(renderHistory([record!])).toContain('stage -> 1.3.0, unverified (demo-shop-prod-api-5xx)');
    const shown = renderDeployment(record!);
    expect(shown).toMatch(/^ {2}verdict\s+inconclusive \(stage level, 31 round\(s\), budget\); missing production alarm demo-shop-prod-api-5xx$/m);
    expect(shown).toMatch(/^ {2}evidence\s+production alarm demo-shop-prod-api-5xx: inconclusive, 0 datapoint\(s\) — no datapoints in 29 complete period\(s\)/m);
  });

  it('widens to the full rollback where the environment asks for it (onInconclusive: full)', async () => {
    const harness = await createOrchestratorHarness({ configure: (config) => ({ ...config, environments: config.environments.map((environment) => (environment.name === 'production' ? { ...environment, onInconclusive: 'full' as const } : environment)) }) });
    lambdaMock.on(InvokeCommand).resolvesOnce(inconclusive).resolves(healthy);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'full' });
    expect(result.reason).toContain('stage validation without a verdict: no verdict within 300 s');
  });

  it('ends a person’s rollback unverified too: it never widens', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolves(inconclusive);

    const { result } = await harness.invoke(throughRequestUrl(sampleEvent('manual-rollback')));

    expect(result).toMatchObject({ outcome: 'unverified', level: 'manual' });
  });

  it('a retry of the same alarm after it ended answers unverified from the record, counting nothing again', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolves(inconclusive);
    await harness.run(sampleEvent('alarm-production'));

    const retried = await harness.run(sampleEvent('alarm-production'));

    expect(retried).toMatchObject({ outcome: 'unverified' });
    expect(measuredResults(retried).flatMap(metricsFor)).toEqual([]);
  });
});

describe('a verdict of not recovered', () => {
  it('journals the verdict, what decided it and when, and the evidence — the deciding first, bounded in count and length', async () => {
    const harness = await createOrchestratorHarness();
    lambdaMock.on(InvokeCommand).resolvesOnce(stillBad).resolves(healthy);

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'full' });
    const validation = result.timeline.find((step) => step.step === 'stage-validation')!;
    expect(validation).toMatchObject({ outcome: 'failed', facts: { passed: false, verdict: 'not_recovered', concludedBy: 'alarm_breaching', decidedBy: { check: 'alarm demo-shop-prod-api-5xx', at: '2026-11-23T10:17:00.000Z' } } });
    const evidence = (validation.facts as { evidence: { check: string; detail: string }[] }).evidence;
    expect(evidence).toHaveLength(MAX_JOURNALED_EVIDENCE);
    expect(evidence[0]!.check).toBe('alarm a-7');
    expect(Math.max(...evidence.map((item) => item.detail.length))).toBe(MAX_EVIDENCE_DETAIL);
  });
});

describe('an alarm a rule says only notifies', () => {
  const notifyOnLatency = (config: RollbackConfig): RollbackConfig => ({
    ...config,
    environments: config.environments.map((environment) => (environment.name === 'production' ? { ...environment, alarms: { ...environment.alarms, rules: [{ match: 'demo-shop-prod-api-*', action: 'notify' as const }] } } : environment)),
  });

  it('is announced with what runs and the command a person would use, and never rolled back', async () => {
    const harness = await createOrchestratorHarness({ configure: notifyOnLatency });

    const result = await harness.run(sampleEvent('alarm-production'));

    expect(result).toMatchObject({ outcome: 'skipped', environment: 'production', notification: { type: 'rollback_skipped', severity: 'warning' } });
    expect(result.reason).toBe('alarm demo-shop-prod-api-5xx is announced, never rolled back (alarm rule "demo-shop-prod-api-*": notify); production runs 1.4.0 (prod-140). To roll back by hand: rollbackctl rollback --env production --reason "…"');
    expect(harness.mutatingCalls()).toBe(0);
    expect(await harness.record('prod-140')).toMatchObject({ status: 'succeeded' });
  });

  it('neither judges a rollback: the validator is told to leave it out', async () => {
    const harness = await createOrchestratorHarness({ configure: notifyOnLatency });

    await harness.invoke(throughRequestUrl(sampleEvent('manual-rollback')));

    expect(harness.validatorRequests()[0]?.environments[0]).toMatchObject({ name: 'production', notifyOnly: ['demo-shop-prod-api-*'] });
  });
});
