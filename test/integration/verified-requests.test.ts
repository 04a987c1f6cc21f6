import { describe, expect, it } from 'vitest';
import { renderDeployment } from '../../cli/text-output';
import { callerIsPrincipal, unwrapInvocation } from '../../shared/events/request-entry';
import { createOrchestratorHarness, DEMO_HISTORY, ON_CALL_ARN, prodAliasRestore, sampleEvent, throughRequestUrl } from '../helpers/orchestrator-harness';

const RECORDER_ROLE = 'arn:aws:iam::123456789012:role/rollback-controller-demo-shop-RecorderServiceRole1A2B3C';
const SCHEDULER_ROLE = 'arn:aws:iam::123456789012:role/rollback-controller-demo-shop-DrillsRole4D5E6F';
const OWN_ROLES = { refusedRoles: [RECORDER_ROLE, SCHEDULER_ROLE] };

/** The demo history with production's 1.4.0 recorded irreversible (a data migration ran with it). */
const irreversibleHistory = DEMO_HISTORY.map((spec) => (spec.deploymentId === 'prod-140' ? { ...spec, irreversible: 'drops column orders.legacy_total' } : spec));

describe('who asks is verified (DynamoDB Local + mocked AWS)', () => {
  it('refuses a manual rollback invoked directly, whatever name it gives: it could be anyone; nothing changes', async () => {
    const harness = await createOrchestratorHarness();

    const { result, response } = await harness.invoke({ ...sampleEvent('manual-rollback'), requestedBy: 'the CTO', force: true });

    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining("a manual rollback must come through the controller's request URL (stack output RequestUrl)") });
    expect(response).toBeUndefined();
    expect(harness.mutatingCalls()).toBe(0);
    expect(harness.everyPublished()).toEqual([]);
    expect(await harness.record('prod-140')).toMatchObject({ status: 'succeeded' });
  });

  it('acts on a manual rollback through the request URL and keeps the verified ARN beside the name given, in the record and the notifications', async () => {
    const harness = await createOrchestratorHarness();

    const { result, response } = await harness.invoke(throughRequestUrl(sampleEvent('manual-rollback')), OWN_ROLES);

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'manual', environment: 'production', toVersion: '1.3.0' });
    expect(response).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(response!.body)).toEqual(JSON.parse(JSON.stringify(result)));
    expect(harness.aliasUpdates()).toEqual(prodAliasRestore);
    const record = await harness.record('prod-140');
    expect(record?.rollback?.trigger).toEqual({ type: 'manual', requestedBy: 'ana.oncall', verifiedBy: ON_CALL_ARN });
    expect(record?.timeline?.[0]).toMatchObject({ step: 'claim', facts: { requestedBy: 'ana.oncall', verifiedBy: ON_CALL_ARN } });
    expect(renderDeployment(record!)).toMatch(new RegExp(`^ {2}trigger\\s+manual ana\\.oncall \\(verified: ${ON_CALL_ARN.replace(/[/.]/g, '\\$&')}\\)$`, 'm'));
    expect([...harness.starts(), ...harness.published()].map((message) => [message.body.requestedBy, message.body.verifiedBy])).toEqual([
      ['ana.oncall', ON_CALL_ARN],
      ['ana.oncall', ON_CALL_ARN],
    ]);
  });

  it.each([
    ['the recorder’s role', `arn:aws:sts::123456789012:assumed-role/rollback-controller-demo-shop-RecorderServiceRole1A2B3C/rollback-controller-demo-shop-Recorder`],
    ['the drill scheduler’s role', 'arn:aws:sts::123456789012:assumed-role/rollback-controller-demo-shop-DrillsRole4D5E6F/scheduler-session'],
  ])('refuses a request through the URL signed by %s (403), changing nothing', async (_, callerArn) => {
    const harness = await createOrchestratorHarness();

    const { result, response } = await harness.invoke(throughRequestUrl(sampleEvent('manual-rollback'), callerArn), OWN_ROLES);

    expect(response?.statusCode).toBe(403);
    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining("is the controller's own role") });
    expect(harness.mutatingCalls()).toBe(0);
    expect(await harness.record('prod-140')).toMatchObject({ status: 'succeeded' });
  });

  it('still takes a scheduled drill and a failed deploy by direct invocation (the scheduler and the recorder send them)', async () => {
    const harness = await createOrchestratorHarness();

    const { result: drill } = await harness.invoke(sampleEvent('drill'), OWN_ROLES);

    expect(drill).toMatchObject({ outcome: 'rolled_back', drill: true });
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('allows force only to the principals policy.forcePrincipals names: anyone else is refused (403) before anything is read', async () => {
    const harness = await createOrchestratorHarness({ history: irreversibleHistory, configure: (config) => ({ ...config, policy: { ...config.policy, forcePrincipals: ['arn:aws:iam::123456789012:role/Incident/Commander'] } }) });
    const forced = { ...sampleEvent('manual-rollback'), force: true };

    const refused = await harness.invoke(throughRequestUrl(forced, ON_CALL_ARN), OWN_ROLES);
    const allowed = await harness.invoke(throughRequestUrl({ ...forced, requestId: 'manual-forced-by-commander' }, 'arn:aws:sts::123456789012:assumed-role/Commander/lee'), OWN_ROLES);

    expect(refused.response?.statusCode).toBe(403);
    expect(refused.result.reason).toBe(
      `force (rolling back past irreversible deployments) is allowed only to the principals policy.forcePrincipals names (arn:aws:iam::123456789012:role/Incident/Commander); ${ON_CALL_ARN} is not one`,
    );
    expect(allowed.result).toMatchObject({ outcome: 'rolled_back', level: 'manual', toVersion: '1.3.0' });
    expect((await harness.record('prod-140'))?.rollback?.trigger).toMatchObject({ verifiedBy: 'arn:aws:sts::123456789012:assumed-role/Commander/lee' });
  });

  it.each<[string, Record<string, any>, number, string]>([
    ['no verified identity (the URL not on IAM auth)', { requestContext: { http: { method: 'POST' } }, body: '{}' }, 403, 'no verified IAM identity'],
    ['a GET', { requestContext: { http: { method: 'GET' } } }, 405, 'GET is not accepted: POST the request as JSON'],
    ['a body that is not JSON', { body: 'roll back please' }, 400, 'the request body is not JSON'],
    ['a body past 64 KB', { body: JSON.stringify({ action: 'drill', environment: 'test', requestedBy: 'x'.repeat(70_000) }) }, 413, 'larger than 64 KB'],
    ['the reconciler’s action', { body: '{"action":"reconcile"}' }, 403, 'the request URL takes requests only'],
  ])('answers %s at the URL with %i and a reason, changing nothing', async (_, change, statusCode, reason) => {
    const harness = await createOrchestratorHarness();
    const base = throughRequestUrl(sampleEvent('manual-rollback'));
    const event = { ...base, ...change, requestContext: change.requestContext ? { ...base.requestContext, ...change.requestContext, authorizer: change.requestContext.http.method === 'GET' ? base.requestContext.authorizer : undefined } : base.requestContext };

    const { result, response } = await harness.invoke(event, OWN_ROLES);

    expect(response?.statusCode).toBe(statusCode);
    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining(reason) });
    expect(harness.mutatingCalls()).toBe(0);
  });

  it('reads a base64 body as Lambda delivers binary-looking ones', () => {
    const event = throughRequestUrl({});
    event.body = Buffer.from(JSON.stringify(sampleEvent('drill'))).toString('base64');
    event.isBase64Encoded = true;

    expect(unwrapInvocation(event)).toMatchObject({ ok: true, payload: { action: 'drill', environment: 'production' }, entry: { via: 'url', caller: { arn: ON_CALL_ARN, account: '123456789012' } } });
  });
});

describe('a principal the configuration names', () => {
  it.each<[string, string, boolean]>([
    ['a role: every session of it', 'arn:aws:iam::123456789012:role/OnCall', true],
    ['a role with a path: STS leaves the path out of the session', 'arn:aws:iam::123456789012:role/teams/OnCall', true],
    ['another role whose name starts the same', 'arn:aws:iam::123456789012:role/OnCallers', false],
    ['the same role name in another account', 'arn:aws:iam::210987654321:role/OnCall', false],
    ['that one session', 'arn:aws:sts::123456789012:assumed-role/OnCall/ana', true],
    ['another session of the role', 'arn:aws:sts::123456789012:assumed-role/OnCall/ben', false],
    ['a user', 'arn:aws:iam::123456789012:user/ana', false],
  ])('%s: matches %s → %s', (_, principal, expected) => {
    expect(callerIsPrincipal(ON_CALL_ARN, principal)).toBe(expected);
  });

  it('a user matches only itself', () => {
    expect(callerIsPrincipal('arn:aws:iam::123456789012:user/ana', 'arn:aws:iam::123456789012:user/ana')).toBe(true);
    expect(callerIsPrincipal('arn:aws:iam::123456789012:user/ana', 'arn:aws:iam::123456789012:role/ana')).toBe(false);
  });
});
