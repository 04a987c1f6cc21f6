import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoRestorePoints, recordCompletedDeployment } from '../../cli/local-drill/demo-history';
import { findEnvironment, parseConfig, type RollbackConfig } from '../../shared/config';
import type { RollbackDependencies } from '../../shared/rollback/run-dependencies';
import { dynamoHistory } from '../../shared/history/dynamo-history';
import { runRollback } from '../../shared/rollback/rollback-runner';
import { RecordingNotifier, sandboxCheckPorts, sandboxTargetDrivers } from '../../shared/sandbox/sandbox-adapters';
import { SandboxClock } from '../../shared/sandbox/sandbox-clock';
import { SandboxWorld } from '../../shared/sandbox/sandbox-world';
import { answerValidationRequest } from '../../shared/validation/validate-rollback';
import { matchesEventPattern } from '../helpers/event-pattern';
import { createTestHistory } from '../helpers/history-table';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The demo application with production in account 333333333333, us-east-1, reached through its member role. */
function productionElsewhere() {
  const raw = JSON.parse(readFileSync('rollback.config.json', 'utf8')) as { environments: Record<string, unknown>[]; home?: unknown };
  raw.home = { account: '111111111111', region: 'eu-west-1' };
  raw.environments = raw.environments.map((environment) => (environment.name === 'production' ? { ...environment, account: '333333333333', region: 'us-east-1', roleArn: 'arn:aws:iam::333333333333:role/rbc-demo-shop-member' } : environment));
  return parseConfig(raw);
}

/** Production on DynamoDB Local with a known good and a bad release (40 minutes before `now`), the sandbox running the bad one. */
async function productionRunningBad(config: RollbackConfig, now: string, [good, bad]: [string, string]) {
  const production = findEnvironment(config, 'production');
  const seeded = await createTestHistory({ start: now });
  for (const [version, number, at] of [[good, 14, new Date(Date.parse(now) - 86_400_000)], [bad, 21, new Date(Date.parse(now) - 2_400_000)]] as const) {
    await recordCompletedDeployment(seeded.deployments, { deploymentId: `production-${version}`, environment: 'production', version, status: 'succeeded', source: 'test', at, restorePoints: demoRestorePoints(production, { version, number }) });
  }
  const clock = new SandboxClock(new Date(now), 100);
  const history = dynamoHistory({ client: seeded.client, tableName: seeded.tableName, clock });
  const world = new SandboxWorld({ badVersions: [bad], recoveryMs: 20_000 }, clock);
  world.deploy(production, (await history.deployments.getDeployment(`production-${bad}`))!);
  const ports = sandboxCheckPorts(world);
  return {
    clock,
    deps: { config, history, targets: sandboxTargetDrivers(world), validator: { validate: (request: never) => answerValidationRequest(request, { ports, clock, sleep: (ms) => clock.sleep(ms), remainingTimeMs: () => 900_000 }) }, notifier: new RecordingNotifier(), clock, logger: silent, remainingTimeMs: () => 900_000 } as RollbackDependencies,
  };
}

describe('an environment in another account and region (DynamoDB Local, the sandbox)', () => {
  it('reads the alarm that fired where the environment lives, through its role, before acting', async () => {
    const { clock, deps } = await productionRunningBad(productionElsewhere(), '2026-12-06T08:00:00.000Z', ['1.3.0', '1.4.1']);
    const reads: unknown[] = [];

    const result = await runRollback(
      { version: '0', id: randomUUID(), 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', account: '333333333333', region: 'us-east-1', time: clock.now().toISOString(), resources: [], detail: { alarmName: 'demo-shop-prod-api-5xx', state: { value: 'ALARM', reason: 'r', timestamp: clock.now().toISOString() }, previousState: { value: 'OK', reason: 'r', timestamp: '2026-12-06T07:55:00.000Z' } } } as never,
      'elsewhere',
      { ...deps, alarms: { read: async (alarmName, location) => (reads.push({ alarmName, location }), { actionsEnabled: true }) } },
    );

    expect(result).toMatchObject({ outcome: 'rolled_back', level: 'stage', environment: 'production' });
    expect(reads).toEqual([{ alarmName: 'demo-shop-prod-api-5xx', location: { region: 'us-east-1', roleArn: 'arn:aws:iam::333333333333:role/rbc-demo-shop-member' } }]);
  });

  it('takes a member account\'s alarm event through the member stack\'s real forwarding pattern and routes it to its environment; the same alarm from an unconfigured account is ignored (DynamoDB Local)', async () => {
    const config = productionElsewhere();
    const { App } = await import('aws-cdk-lib');
    const { Template } = await import('aws-cdk-lib/assertions');
    const { memberPlaces, RollbackMemberStack } = await import('../../infra/member-stack');
    const place = memberPlaces(config)[0]!;
    const member = Template.fromStack(new RollbackMemberStack(new App(), 'member', { config, place, env: { account: place.account, region: place.region } }));
    const forwarding = Object.values(member.findResources('AWS::Events::Rule')).map((rule) => rule.Properties.EventPattern as Record<string, unknown>).find((pattern) => JSON.stringify(pattern).includes('aws.cloudwatch'))!;
    // The AWS sample event, as that account sends it.
    const sample = JSON.parse(readFileSync('events/alarm-production.json', 'utf8')) as Record<string, unknown>;
    const from = (account: string) => ({ ...sample, id: randomUUID(), account, region: 'us-east-1' });
    const { deps } = await productionRunningBad(config, '2026-11-23T10:30:00.000Z', ['1.3.0', '1.4.0']);

    expect(matchesEventPattern(forwarding, from('333333333333'))).toBe(true);
    const stranger = await runRollback(from('444444444444'), 'stranger', deps);
    const own = await runRollback(from('333333333333'), 'member', deps);

    expect(stranger).toMatchObject({ outcome: 'ignored', reason: 'alarm demo-shop-prod-api-5xx came from account 444444444444, but production is in account 333333333333: not its alarm' });
    expect(own).toMatchObject({ outcome: 'rolled_back', level: 'stage', environment: 'production', fromVersion: '1.4.0', toVersion: '1.3.0' });
  });
});

describe('rollbackctl record --capture for an environment in another account', () => {
  afterEach(() => vi.unstubAllEnvs());

  async function captureAs(callerAccount: string) {
    // The SDK's default chain reads the process environment: CI's own credentials.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIACI');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 's');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    const { mockClient } = await import('aws-sdk-client-mock');
    const { LambdaClient, GetAliasCommand } = await import('@aws-sdk/client-lambda');
    const { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const { runCli } = await import('../../cli/rollbackctl');
    const { localClientConfig } = await import('../helpers/history-table');
    const { temporaryFolder } = await import('../helpers/temporary-folder');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const lambdaMock = mockClient(LambdaClient);
    const stsMock = mockClient(STSClient);
    lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '21' });
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: callerAccount, Arn: `arn:aws:iam::${callerAccount}:role/ci`, UserId: 'AROA' });
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAMEMBER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2030-01-01T00:00:00.000Z') } });
    const folder = temporaryFolder('member-config');
    writeFileSync(
      join(folder, 'rollback.config.json'),
      JSON.stringify({
        application: 'shop',
        home: { account: '111111111111', region: 'eu-west-1' },
        environments: [{ name: 'production', account: '333333333333', region: 'us-east-1', roleArn: 'arn:aws:iam::333333333333:role/rbc-shop-member', alarms: { prefixes: ['shop-prod-'] }, targets: [{ type: 'lambda-alias', alias: 'live', functions: ['shop-api'] }] }],
      }),
    );
    const { tableName } = await createTestHistory();
    const out: string[] = [];
    const err: string[] = [];
    try {
      const exitCode = await runCli(['record', '--endpoint', localClientConfig().endpoint, '--table', tableName, '--env', 'production', '--version', '2.0.0', '--status', 'succeeded', '--capture', '--json'], {
        out: (text) => out.push(text),
        err: (text) => err.push(text),
        env: { AWS_ACCESS_KEY_ID: 'AKIACI', AWS_SECRET_ACCESS_KEY: 's' },
        cwd: folder,
      });
      const lambdaSentWith = await Promise.all(lambdaMock.commandCalls(GetAliasCommand).map(async (call) => ((await (call.thisValue as InstanceType<typeof LambdaClient>).config.credentials()).accessKeyId)));
      return { exitCode, out: out.join('\n'), err: err.join('\n'), assumed: stsMock.commandCalls(AssumeRoleCommand).length, lambdaSentWith };
    } finally {
      lambdaMock.restore();
      stsMock.restore();
    }
  }

  it('reads with its own credentials in the environment\'s account (the member role trusts only the controller), through the role from elsewhere', async () => {
    const inside = await captureAs('333333333333');
    const outside = await captureAs('111111111111');

    expect(inside).toMatchObject({ exitCode: 0, assumed: 0, lambdaSentWith: ['AKIACI'] });
    expect(JSON.parse(inside.out)).toMatchObject({ deployment: { restorePoints: { 'lambda-alias': { versions: { 'shop-api': '21' } } } } });
    expect(outside).toMatchObject({ exitCode: 0, assumed: 1, lambdaSentWith: ['ASIAMEMBER'] });
  });
});
