import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../shared/config';
import type { AlarmStateChangeEvent } from '../../shared/events/alarm-event';
import { parseInbound, type InboundEvent } from '../../shared/events/inbound-event';
import { routeAlarm } from '../../shared/rollback/alarm-routing';
import { resolveRequest } from '../../shared/rollback/run-context';

// Pure: no DynamoDB, no AWS. The orchestrator tests reach these only through a whole run.
const config = loadConfig('rollback.config.json');
const defaults = { invocationId: 'invocation-1', now: new Date('2026-11-23T10:15:30.000Z') };
const sample = (name: string) => JSON.parse(readFileSync(`events/${name}.json`, 'utf8')) as Record<string, any>;

/** The production sample alarm with its detail changed. */
function alarm(change: (detail: Record<string, any>) => void = () => undefined): AlarmStateChangeEvent {
  const event = sample('alarm-production');
  change(event.detail);
  const parsed = parseInbound(event, defaults);
  if (!parsed.ok || parsed.inbound.kind !== 'alarm') throw new Error(`not an alarm: ${JSON.stringify(parsed)}`);
  return parsed.inbound.event;
}

describe('parseInbound', () => {
  it.each<[string, unknown, Record<string, unknown>]>([
    ['an EventBridge alarm state change', sample('alarm-production'), { ok: true, inbound: { kind: 'alarm', event: { id: '0f4b7c1e-1a2b-4c3d-9e8f-prod00000001' } } }],
    ['a composite alarm state change', sample('alarm-composite-production'), { ok: true, inbound: { kind: 'alarm' } }],
    [
      'a hand-written alarm that names only the alarm and its state (id and times from the invocation)',
      sample('alarm-minimal'),
      { ok: true, inbound: { kind: 'alarm', event: { id: 'invocation-1', time: '2026-11-23T10:15:30.000Z', detail: { state: { timestamp: '2026-11-23T10:15:30.000Z' } } } } },
    ],
    ['a manual rollback request', sample('manual-rollback'), { ok: true, inbound: { kind: 'manual', request: { action: 'rollback', environment: 'production' } } }],
    ['a manual rollback to a named version', sample('manual-rollback-to-version'), { ok: true, inbound: { kind: 'manual', request: { targetVersion: expect.any(String) } } }],
    ['a drill request', sample('drill'), { ok: true, inbound: { kind: 'drill', request: { action: 'drill' } } }],
    ['a deploy failure report', { action: 'deploy_failed', environment: 'production', deploymentId: 'p/s/e', requestedBy: 'codepipeline p/s' }, { ok: true, inbound: { kind: 'deploy_failure' } }],
    ['the reconciler schedule', sample('reconcile'), { ok: true, inbound: { kind: 'reconcile' } }],
    ['a plain EventBridge scheduled event', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, { ok: true, inbound: { kind: 'reconcile' } }],
    ['an alarm configuration change', { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm Configuration Change', detail: {} }, { ok: false, outcome: 'ignored', reason: '"CloudWatch Alarm Configuration Change" is not a state change' }],
    [
      'a well-formed event of another service',
      { source: 'aws.codepipeline', 'detail-type': 'CodePipeline Stage Execution State Change', detail: {} },
      { ok: false, outcome: 'ignored', reason: '"CodePipeline Stage Execution State Change" from aws.codepipeline is not an alarm state change or a request: not for this function' },
    ],
    ['a string', 'ALARM', { ok: false, outcome: 'rejected', reason: 'event: expected a JSON object' }],
    ['an array', [sample('alarm-production')], { ok: false, outcome: 'rejected', reason: 'event: expected a JSON object' }],
    ['null', null, { ok: false, outcome: 'rejected', reason: 'event: expected a JSON object' }],
    ['an object that is neither', { hello: 'world' }, { ok: false, outcome: 'rejected', reason: expect.stringContaining('expected a CloudWatch alarm state change') }],
    ['an alarm without a name', { ...sample('alarm-minimal'), detail: { state: { value: 'ALARM' } } }, { ok: false, outcome: 'rejected', reason: 'alarm event: detail.alarmName: Invalid input: expected string, received undefined' }],
    ['an alarm without its detail-type', { source: 'aws.cloudwatch', detail: sample('alarm-minimal').detail }, { ok: false, outcome: 'rejected', reason: expect.stringMatching(/^alarm event: detail-type: /) }],
    ['an alarm name longer than CloudWatch allows', { ...sample('alarm-minimal'), detail: { alarmName: 'x'.repeat(256), state: { value: 'ALARM' } } }, { ok: false, outcome: 'rejected', reason: expect.stringMatching(/^alarm event: detail\.alarmName: /) }],
    ['a rollback request without an environment', { action: 'rollback', reason: 'broken', requestedBy: 'ana' }, { ok: false, outcome: 'rejected', reason: expect.stringMatching(/^rollback request: environment/) }],
    ['a drill request with an unknown field type', { action: 'drill', environment: 42, requestedBy: 'ana' }, { ok: false, outcome: 'rejected', reason: expect.stringMatching(/^drill request: environment/) }],
    ['an unknown action', { action: 'delete-everything' }, { ok: false, outcome: 'rejected', reason: expect.stringContaining('action "rollback", "drill", "deploy_failed" or "reconcile"') }],
    // A time of another type is rejected, never silently replaced by now (only a missing one is filled in).
    ['an alarm whose time is a number', { ...sample('alarm-production'), time: 1_764_000_000 }, { ok: false, outcome: 'rejected', reason: expect.stringMatching(/^alarm event: time: /) }],
    ['an alarm at an extended year', { ...sample('alarm-production'), time: '+010000-01-01T00:00:00Z' }, { ok: false, outcome: 'rejected', reason: expect.stringMatching(/^alarm event: time: not a timestamp/) }],
    ['an alarm a thousand years out', { ...sample('alarm-production'), time: '3026-11-23T10:15:00Z' }, { ok: false, outcome: 'rejected', reason: expect.stringMatching(/^alarm event: time: "3026-11-23T10:15:00Z" is not a time an AWS event carries/) }],
  ])('%s', (_, raw, expected) => {
    expect(parseInbound(raw, defaults)).toMatchObject(expected);
  });
});

describe('routeAlarm', () => {
  it.each<[string, (detail: Record<string, any>) => void, Record<string, unknown>]>([
    ['acts on a transition into ALARM, for the environment whose prefix the name has', () => undefined, { act: true, environment: { name: 'production' } }],
    ['routes by prefix to staging', (detail) => (detail.alarmName = 'demo-shop-staging-api-5xx'), { act: true, environment: { name: 'staging' } }],
    ['routes by the environment tag before the name', (detail) => ((detail.alarmName = 'checkout-latency'), (detail.alarmTags = { environment: 'staging' })), { act: true, environment: { name: 'staging' } }],
    ['ignores a tag naming an environment the config does not describe', (detail) => (detail.alarmTags = { environment: 'qa' }), { act: false, reason: 'alarm demo-shop-prod-api-5xx is tagged environment=qa, which the configuration does not describe' }],
    ['ignores a name that matches no prefix', (detail) => (detail.alarmName = 'someone-else-5xx'), { act: false, reason: "alarm someone-else-5xx matches no environment's alarm prefixes" }],
    ['ignores OK', (detail) => (detail.state.value = 'OK'), { act: false, reason: 'alarm demo-shop-prod-api-5xx is OK, not ALARM' }],
    ['ignores INSUFFICIENT_DATA', (detail) => (detail.state.value = 'INSUFFICIENT_DATA'), { act: false, reason: 'alarm demo-shop-prod-api-5xx is INSUFFICIENT_DATA, not ALARM' }],
    // Never acted on: only judged for whether it shows the alarm predates the live deployment (then announced).
    ['routes ALARM → ALARM as still in ALARM, not as a transition', (detail) => (detail.previousState.value = 'ALARM'), { act: true, environment: { name: 'production' }, stillInAlarm: true }],
    ['ignores ALARM → ALARM that says nothing of since when', (detail) => ((detail.previousState.value = 'ALARM'), delete detail.previousState.timestamp), { act: false, reason: 'alarm demo-shop-prod-api-5xx was already in ALARM: not a transition into ALARM' }],
    [
      'ignores an alarm whose actions are suppressed, saying by what',
      (detail) => Object.assign(detail.state, { actionsSuppressedBy: 'WaitPeriod', actionsSuppressedReason: 'deploy window' }),
      { act: false, reason: 'alarm demo-shop-prod-api-5xx has its actions suppressed (WaitPeriod: deploy window)' },
    ],
    ['ignores a muted alarm', (detail) => (detail.muteDetail = { mutedBy: 'maintenance' }), { act: false, reason: 'alarm demo-shop-prod-api-5xx is muted by an alarm mute rule' }],
  ])('%s', (_, change, expected) => {
    expect(routeAlarm(config, alarm(change))).toMatchObject(expected);
  });
});

describe('routeAlarm across accounts and regions', () => {
  // Production in another account and region; staging where the controller is (no account, no region).
  const raw = JSON.parse(readFileSync('rollback.config.json', 'utf8')) as { environments: Record<string, unknown>[]; home?: unknown };
  raw.home = { account: '111111111111', region: 'eu-west-1' };
  raw.environments = raw.environments.map((environment) =>
    environment.name === 'production' ? { ...environment, account: '222222222222', region: 'us-east-1', roleArn: 'arn:aws:iam::222222222222:role/rollback-controller-member' } : environment,
  );
  const spread = parseConfig(raw);
  const from = (account: string | undefined, region: string | undefined) => {
    const event = alarm();
    return { ...event, account, region } as AlarmStateChangeEvent;
  };

  it('routes an alarm to its environment only from the account and region the environment is in', () => {
    expect(routeAlarm(spread, from('222222222222', 'us-east-1'))).toMatchObject({ act: true, environment: { name: 'production' } });
    expect(routeAlarm(spread, from('111111111111', 'us-east-1'))).toEqual({ act: false, reason: 'alarm demo-shop-prod-api-5xx came from account 111111111111, but production is in account 222222222222: not its alarm' });
    expect(routeAlarm(spread, from('222222222222', 'eu-west-1'))).toEqual({ act: false, reason: 'alarm demo-shop-prod-api-5xx came from region eu-west-1, but production is in us-east-1: not its alarm' });
    // A hand-written test event that does not say where it comes from is taken as the environment's.
    expect(routeAlarm(spread, from(undefined, undefined))).toMatchObject({ act: true, environment: { name: 'production' } });
  });

  it('gives every target of the environment its region and role, unless the target names its own', () => {
    const production = spread.environments.find((environment) => environment.name === 'production')!;

    expect(production.targets.map((target) => [target.type, (target as { region?: string }).region, (target as { roleArn?: string }).roleArn])).toEqual(
      production.targets.map((target) => [target.type, 'us-east-1', 'arn:aws:iam::222222222222:role/rollback-controller-member']),
    );
    const staging = spread.environments.find((environment) => environment.name === 'staging')!;
    expect(staging.targets.every((target) => (target as { region?: string }).region === undefined && (target as { roleArn?: string }).roleArn === undefined)).toBe(true);
  });

  it('refuses an environment in another account without a role there, or with a role of a third account', () => {
    const withoutRole = structuredClone(raw);
    delete withoutRole.environments[2]!.roleArn;
    const thirdAccount = structuredClone(raw);
    thirdAccount.environments[2]!.roleArn = 'arn:aws:iam::333333333333:role/elsewhere';

    expect(() => parseConfig(withoutRole)).toThrow(/environments\[2\]\.targets\[0\]: is in account 222222222222: give the environment \(or the target\) a roleArn there the controller assumes/);
    expect(() => parseConfig(thirdAccount)).toThrow('environments[2].roleArn: is a role in account 333333333333, but the environment is in account 222222222222: name a role of that account');
    const homeless = structuredClone(raw);
    delete homeless.home;
    expect(() => parseConfig(homeless)).toThrow('home: environments[2] (production) lives in another account or region: say where the controller is deployed');
  });
});

describe('resolveRequest', () => {
  const inbound = (raw: unknown): Exclude<InboundEvent, { kind: 'reconcile' }> => {
    const parsed = parseInbound(raw, defaults);
    if (!parsed.ok || parsed.inbound.kind === 'reconcile') throw new Error(`not a request: ${JSON.stringify(parsed)}`);
    return parsed.inbound;
  };
  const manual = { action: 'rollback', environment: 'production', reason: 'checkout broken', requestedBy: 'ana' };

  it.each<[string, unknown, Record<string, unknown>]>([
    [
      'an alarm: automatic, keyed on the event id, watching the alarm that fired',
      sample('alarm-production'),
      {
        ok: true,
        context: {
          environment: { name: 'production' },
          mode: 'automatic',
          runId: '0f4b7c1e-1a2b-4c3d-9e8f-prod00000001',
          trigger: { type: 'alarm', alarmName: 'demo-shop-prod-api-5xx', eventId: '0f4b7c1e-1a2b-4c3d-9e8f-prod00000001' },
          alarmName: 'demo-shop-prod-api-5xx',
          alarmFiredAt: '2026-11-23T10:15:00.000Z',
          reason: expect.stringMatching(/^alarm demo-shop-prod-api-5xx: Threshold Crossed/),
        },
      },
    ],
    ['an alarm that is not a reason to act is ignored with the routing reason', { ...sample('alarm-production'), detail: { ...sample('alarm-production').detail, alarmName: 'other-5xx' } }, { ok: false, outcome: 'ignored', reason: "alarm other-5xx matches no environment's alarm prefixes" }],
    ['a manual rollback: manual mode, the request id as run id', { ...manual, requestId: 'manual-7' }, { ok: true, context: { mode: 'manual', runId: 'manual-7', trigger: { type: 'manual', requestedBy: 'ana' }, reason: 'manual rollback by ana: checkout broken' } }],
    ['a manual rollback without a request id: the invocation id (stable across Lambda retries)', manual, { ok: true, context: { runId: 'invocation-1' } }],
    ['a forced manual rollback says so', { ...manual, force: true }, { ok: true, context: { force: true, reason: 'manual rollback by ana (forced past irreversible deployments): checkout broken' } }],
    ['a manual rollback to a version carries it', { ...manual, targetVersion: '1.3.0' }, { ok: true, context: { targetVersion: '1.3.0' } }],
    ['a manual rollback of an unknown environment is rejected, naming it', { ...manual, environment: 'qa' }, { ok: false, outcome: 'rejected', reason: expect.stringContaining('"qa"') }],
    [
      'a drill pretends its default alarm fired, but watches no made-up alarm',
      { action: 'drill', environment: 'staging', requestedBy: 'ana' },
      { ok: true, context: { mode: 'drill', trigger: { type: 'drill', alarmName: 'demo-shop-staging-drill' }, reason: 'drill by ana (pretending alarm demo-shop-staging-drill fired)' } },
    ],
    ['a drill naming a real alarm watches it', { action: 'drill', environment: 'staging', requestedBy: 'ana', alarmName: 'demo-shop-staging-api-5xx' }, { ok: true, context: { alarmName: 'demo-shop-staging-api-5xx' } }],
    [
      'a failed deploy in an environment that rolls them back: automatic, only while that deployment is live',
      { action: 'deploy_failed', environment: 'production', deploymentId: 'p/s/e', requestedBy: 'codepipeline p/s', requestId: 'deploy-failed-e' },
      { ok: true, context: { mode: 'automatic', runId: 'deploy-failed-e', expectedActive: 'p/s/e', trigger: { type: 'deploy_failure', requestedBy: 'codepipeline p/s' } } },
    ],
    [
      'a failed deploy where failed deploys do not roll back is ignored, saying so',
      { action: 'deploy_failed', environment: 'staging', deploymentId: 'p/s/e', requestedBy: 'codepipeline p/s' },
      { ok: false, outcome: 'ignored', reason: 'staging does not roll back failed deploys ("rollbackOnDeployFailure" is off): p/s/e left as it is' },
    ],
  ])('%s', (_, raw, expected) => {
    const resolved = resolveRequest(inbound(raw), config, 'invocation-1');
    expect(resolved).toMatchObject(expected);
    if (resolved.ok && resolved.context.mode === 'drill' && !(raw as { alarmName?: string }).alarmName) expect(resolved.context).not.toHaveProperty('alarmName');
  });
});
