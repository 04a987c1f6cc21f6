import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config';
import { restoreEnvironment } from '../../shared/rollback/environment-restore';
import { nextAction, runStateFrom } from '../../shared/rollback/run-state';
import { SandboxWorld } from '../../shared/sandbox/sandbox-world';
import { SandboxClock } from '../../shared/sandbox/sandbox-clock';
import { sandboxTargetDrivers } from '../../shared/sandbox/sandbox-adapters';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { hookTarget } from '../../shared/targets/hook';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { describeTargetContract, restoreRequest } from '../helpers/target-contract';
import { problemsOf } from '../helpers/config-problems';

const config = { type: 'hook', before: { function: 'shop-prod-freeze-writes', required: true, timeoutSeconds: 5 }, after: { function: 'shop-prod-purge-cache', qualifier: 'live' } };
const fn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;

describeTargetContract({
  plugin: hookTarget,
  config,
  bad: {},
  good: {},
  flagValues: [],
  invalid: { field: 'after', value: { function: 'purge cache' }, problem: 'after.function: must be a Lambda function name' },
  iam: {
    restore: { 'lambda:InvokeFunction': [fn('shop-prod-freeze-writes'), fn('shop-prod-purge-cache:live')] },
    check: {},
    capture: {},
    readiness: { 'lambda:GetFunctionConfiguration': [fn('shop-prod-freeze-writes'), fn('shop-prod-purge-cache'), fn('shop-prod-purge-cache:live')] },
  },
});

describe('the hook target’s configuration', () => {
  const environment = (hook: unknown) => ({ application: 'shop', environments: [{ name: 'production', alarms: { prefixes: ['shop-prod-'] }, targets: [hook] }] });

  it('needs a call, bounds the timeout, and takes required only before the restore', () => {
    expect(problemsOf(environment({ type: 'hook' }))).toEqual([expect.stringContaining('environments[0].targets[0].before: names no call: give before, after, or both')]);
    expect(problemsOf(environment({ type: 'hook', after: { function: 'f', timeoutSeconds: 600 } }))).toEqual([expect.stringContaining('after.timeoutSeconds: must be at most 120 seconds')]);
    expect(problemsOf(environment({ type: 'hook', after: { function: 'f', required: true } }))).toEqual([expect.stringContaining('after')]);
    expect(hookTarget.configSchema.parse({ type: 'hook', after: { function: 'f' } })).toEqual({ type: 'hook', after: { function: 'f', timeoutSeconds: 10 } });
  });
});

describe('the hook target against AWS (aws-sdk-client-mock)', () => {
  const lambdaMock = mockClient(LambdaClient);
  const driver = hookTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = hookTarget.configSchema.parse(config);
  const answer = (body: unknown, extra: Record<string, unknown> = {}) => lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(body)) as never, ...extra });
  const sent = () => lambdaMock.commandCalls(InvokeCommand).map((call) => ({ ...call.args[0].input, Payload: JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) }));

  beforeEach(() => {
    lambdaMock.reset();
    answer({ ok: true });
  });

  it('invokes the before hook synchronously with the run, the environment, both deployments and the reason, keyed by the run', async () => {
    const result = await driver.restore(restoreRequest(parsed, { to: {} }, { phase: 'before' }));

    expect(sent()).toEqual([
      {
        FunctionName: 'shop-prod-freeze-writes',
        InvocationType: 'RequestResponse',
        Payload: { runId: 'run-7', idempotencyKey: 'run-7#production#before', phase: 'before', environment: 'production', from: { deploymentId: 'bad-1', version: '2.0.0' }, to: { deploymentId: 'good-1', version: '1.9.3' }, reason: 'alarm', drill: false, resumed: false },
      },
    ]);
    expect(result).toEqual({ outcome: 'restored', detail: 'before hook shop-prod-freeze-writes answered ok' });
  });

  it('invokes the after hook’s qualifier, and a resumed run sends the same idempotency key again, saying so', async () => {
    await driver.restore(restoreRequest(parsed, { to: {} }, { phase: 'after', resumed: true }));

    expect(sent()).toEqual([expect.objectContaining({ FunctionName: 'shop-prod-purge-cache', Qualifier: 'live', Payload: expect.objectContaining({ idempotencyKey: 'run-7#production#after', phase: 'after', resumed: true }) })]);
  });

  it('a drill invokes it with drill: true and reports what it would do', async () => {
    const result = await driver.restore(restoreRequest(parsed, { to: {} }, { phase: 'after', simulate: true }));

    expect(sent()[0]?.Payload).toMatchObject({ drill: true });
    expect(result).toEqual({ outcome: 'would_restore', detail: 'would call after hook shop-prod-purge-cache:live: it answered ok to the drill' });
  });

  it('a required before hook that refuses fails for a person to decide, with its reason', async () => {
    answer({ ok: false, reason: 'a database migration is running' });

    expect(await driver.restore(restoreRequest(parsed, { to: {} }, { phase: 'before' }))).toEqual({
      outcome: 'failed',
      detail: 'before hook shop-prod-freeze-writes refused: a database migration is running: it is required, so nothing else was restored',
      needsPerson: true,
    });
  });

  it('an after hook that throws is a failure naming its error, not one for a person', async () => {
    answer({ errorType: 'Error', errorMessage: 'purge API returned 503' }, { FunctionError: 'Unhandled' });

    expect(await driver.restore(restoreRequest(parsed, { to: {} }, { phase: 'after' }))).toEqual({ outcome: 'failed', detail: 'after hook shop-prod-purge-cache:live failed (Unhandled): Error: purge API returned 503' });
  });

  it('an answer that is not {ok} is refused as an answer', async () => {
    answer('done');

    expect(await driver.restore(restoreRequest(parsed, { to: {} }, { phase: 'after' }))).toEqual({ outcome: 'failed', detail: 'after hook shop-prod-purge-cache:live answered "\\"done\\"", not {"ok": true} or {"ok": false, "reason": "…"}' });
  });

  it('gives up on a hook that does not answer within its timeout, once', async () => {
    lambdaMock.on(InvokeCommand).callsFake(() => new Promise(() => undefined));
    const quick = hookTarget.configSchema.parse({ type: 'hook', before: { function: 'shop-prod-freeze-writes', timeoutSeconds: 1 } });

    expect(await driver.restore(restoreRequest(quick, { to: {} }, { phase: 'before' }))).toEqual({ outcome: 'failed', detail: 'before hook shop-prod-freeze-writes gave no answer within 1 s' });
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(1);
  });

  it('is ready while each function is Active, and names the one that is not', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ State: 'Active' });
    expect(await driver.readiness(parsed, {})).toEqual({ ready: true, detail: 'hook shop-prod-freeze-writes, shop-prod-purge-cache:live can be invoked' });
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand).map((call) => call.args[0].input)).toEqual([{ FunctionName: 'shop-prod-freeze-writes' }, { FunctionName: 'shop-prod-purge-cache', Qualifier: 'live' }]);
    lambdaMock.on(GetFunctionConfigurationCommand, { FunctionName: 'shop-prod-purge-cache' }).resolves({ State: 'Failed' });
    expect(await driver.readiness(parsed, {})).toEqual({ ready: false, detail: 'hook shop-prod-purge-cache:live is Failed, not Active' });
  });
});

describe('hooks around an environment’s restore (sandbox twins)', () => {
  const rollbackConfig = parseConfig({
    application: 'shop',
    environments: [
      {
        name: 'production',
        alarms: { prefixes: ['shop-prod-'] },
        targets: [{ type: 'lambda-alias', alias: 'live', functions: ['shop-prod-api'] }, { type: 'codepipeline-stage', pipeline: 'shop-release', stage: 'DeployProduction' }, config],
      },
    ],
  });
  const record = (deploymentId: string, version: string, api: string): DeploymentRecord =>
    ({ deploymentId, kind: 'deployment', source: 'test', updatedAt: '2026-12-01T10:00:00.000Z', environment: 'production', version, status: 'succeeded', startedAt: '2026-12-01T10:00:00.000Z', restorePoints: { 'lambda-alias': { versions: { 'shop-prod-api': api } }, 'codepipeline-stage': { executionId: `exec-${version}` } } }) as DeploymentRecord;
  const restore = (world: SandboxWorld) =>
    restoreEnvironment({ config: rollbackConfig, targets: sandboxTargetDrivers(world) }, { environment: 'production', fromDeploymentId: 'bad-1', toDeploymentId: 'good-1', toVersion: '1.9.3' }, record('bad-1', '2.0.0', '42'), record('good-1', '1.9.3', '41'), { runId: 'run-1', reason: 'alarm', simulate: false, resumed: false });

  it('calls before first, then the traffic targets, then the rest, then after: each answer journaled like a target’s', async () => {
    const restored = await restore(new SandboxWorld({ badVersions: ['2.0.0'], recoveryMs: 1_000 }, new SandboxClock(new Date('2026-12-01T10:05:00.000Z'), 1)));

    expect(restored.targets.map((target) => [target.target, target.outcome, target.detail.split(' ').slice(0, 3).join(' ')])).toEqual([
      ['hook', 'restored', 'before hook shop-prod-freeze-writes'],
      ['lambda-alias', 'restored', expect.any(String)],
      ['codepipeline-stage', 'restored', expect.any(String)],
      ['hook', 'restored', 'after hook shop-prod-purge-cache:live'],
    ]);
    expect(restored.verdict).toBe('restored');
  });

  it('a required before hook refusing leaves every other target untouched, and the run escalates instead of widening', async () => {
    const restored = await restore(new SandboxWorld({ badVersions: ['2.0.0'], recoveryMs: 1_000, targetFaults: { hook: 'a database migration is running' } }, new SandboxClock(new Date('2026-12-01T10:05:00.000Z'), 1)));

    expect(restored.verdict).toBe('failed');
    expect(restored.targets.map((target) => [target.target, target.outcome])).toEqual([['hook', 'failed'], ['lambda-alias', 'failed'], ['codepipeline-stage', 'failed'], ['hook', 'failed']]);
    expect(restored.targets[1]?.detail).toBe('not attempted: before hook shop-prod-freeze-writes refused: a database migration is running: it is required, so nothing else was restored');
    const at = '2026-12-01T10:05:00.000Z';
    const state = runStateFrom(
      [
        { step: 'claim', at, runId: 'run-1', outcome: 'ok', durationMs: 0, detail: 'claimed', facts: { invocationId: 'i-1', mode: 'automatic', environment: 'production', deploymentId: 'bad-1', fromVersion: '2.0.0' } },
        { step: 'stage-rollback', at, runId: 'run-1', outcome: 'failed', durationMs: 5, detail: 'production: hook refused', facts: { environments: [restored] } },
      ] as never,
      'run-1',
    );
    expect(nextAction(state, { maxAttempts: 3 })).toEqual({ action: 'complete', outcome: 'rollback_failed', level: 'stage', reason: 'stage rollback stopped for a person to decide: production: hook refused' });
  });
});
