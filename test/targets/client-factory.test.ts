import { LambdaClient } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { assumedRoleCredentials, awsClientFactory } from '../../shared/targets/client-factory';

const stsMock = mockClient(STSClient);
const ROLE = 'arn:aws:iam::210987654321:role/rollback-controller-target';

describe('clients for targets in other regions and accounts', () => {
  beforeEach(() => {
    stsMock.reset();
    stsMock.on(AssumeRoleCommand).resolves({
      // An hour from now, as STS issues them (the renewal test below sets its own clock and expiry).
      Credentials: { AccessKeyId: 'AKIA-ASSUMED', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3_600_000) },
    });
  });

  it('builds one client per client class, region and role, in the region the target names', async () => {
    const factory = awsClientFactory({ base: { region: 'eu-west-1' } });

    const here = await factory.client(LambdaClient, {});
    const again = await factory.client(LambdaClient, {});
    const there = await factory.client(LambdaClient, { region: 'us-east-1' });

    expect(again).toBe(here);
    expect(there).not.toBe(here);
    expect(await there.config.region()).toBe('us-east-1');
    expect(stsMock.calls()).toHaveLength(0);
  });

  it('reaches a target in another account with the credentials of its role', async () => {
    const client = await awsClientFactory({ base: { region: 'eu-west-1' } }).client(LambdaClient, { roleArn: ROLE });

    expect(await client.config.credentials({})).toMatchObject({ accessKeyId: 'AKIA-ASSUMED', secretAccessKey: 'secret', sessionToken: 'token' });
    expect(stsMock.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([{ RoleArn: ROLE, RoleSessionName: 'rollback-controller', DurationSeconds: 3600 }]);
  });

  it('assumes a role once for concurrent callers, and again only when its credentials near expiry', async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'AKIA-ASSUMED', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2026-11-24T11:00:00.000Z') },
    });
    let now = Date.parse('2026-11-24T10:00:00.000Z');
    const credentials = assumedRoleCredentials(ROLE, async () => new STSClient({ region: 'eu-west-1' }), () => now);

    await Promise.all([credentials(), credentials(), credentials()]);
    now = Date.parse('2026-11-24T10:54:00.000Z');
    await credentials();
    now = Date.parse('2026-11-24T10:56:00.000Z');
    const renewed = await credentials();

    expect(renewed.accessKeyId).toBe('AKIA-ASSUMED');
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });
});
