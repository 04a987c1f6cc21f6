import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { isHealthy } from '../../shared/targets/route53-weighted/route53-weighted-rules';
import { route53WeightedTarget } from '../../shared/targets/route53-weighted';
import type { TargetRestoreRequest } from '../../shared/targets/target-plugin';
import { describeTargetContract, restoreRequest } from '../helpers/target-contract';
import { problemsOf } from '../helpers/config-problems';

const BLUE_HEALTH = '3f2d6a51-8a55-4d0e-9d5c-0a1b2c3d4e5f';
const config = {
  type: 'route53-weighted',
  hostedZoneId: 'Z1D633PJN98FT9',
  recordName: 'api.shop.example.com',
  recordType: 'A',
  setIdentifiers: ['blue', 'green'],
  healthChecks: { blue: BLUE_HEALTH },
};
const zone = 'arn:aws:route53:::hostedzone/Z1D633PJN98FT9';

describeTargetContract({
  plugin: route53WeightedTarget,
  config,
  bad: { weights: { blue: 0, green: 100 } },
  good: { weights: { blue: 100, green: 0 } },
  flagValues: ['blue=100', 'green=0'],
  invalid: { field: 'recordName', value: 'API.shop.example.com.', problem: 'recordName: must be a lowercase DNS name without a trailing dot' },
  iam: {
    restore: { 'route53:ListResourceRecordSets': [zone], 'route53:ChangeResourceRecordSets': [zone] },
    check: {
      'route53:ListResourceRecordSets': [zone],
      'route53:GetChange': ['arn:aws:route53:::change/*'],
      'route53:GetHealthCheckStatus': [`arn:aws:route53:::healthcheck/${BLUE_HEALTH}`],
    },
    capture: { 'route53:ListResourceRecordSets': [zone] },
    readiness: { 'route53:ListResourceRecordSets': [zone] },
  },
  conditions: {
    'route53:ChangeResourceRecordSets': {
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.shop.example.com'],
        'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
      },
    },
  },
  wildcards: ['route53:GetChange'],
});

describe('the Route 53 weighted records config', () => {
  it('refuses a health check for a record it does not restore, naming it', () => {
    const environment = { name: 'production', alarms: { prefixes: ['shop-prod-'] }, targets: [{ ...config, healthChecks: { purple: BLUE_HEALTH } }] };

    expect(problemsOf({ application: 'shop', environments: [environment] })).toEqual([expect.stringContaining('environments[0].targets[0].healthChecks.purple: is not one of setIdentifiers (blue, green)')]);
  });

  it('counts a health check healthy as Route 53 does: more than 18% of its checkers report success', () => {
    expect(isHealthy(['Success: HTTP Status Code 200', ...Array(4).fill('Failure: Connection timed out')])).toBe(true);
    expect(isHealthy(['Success: HTTP Status Code 200', ...Array(5).fill('Failure: Connection timed out')])).toBe(false);
    expect(isHealthy([])).toBe(false);
  });
});

describe('the Route 53 weighted records target against AWS (aws-sdk-client-mock)', () => {
  const route53Mock = mockClient(Route53Client);
  const driver = route53WeightedTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = route53WeightedTarget.configSchema.parse(config);
  const record = (id: string, weight: number): ResourceRecordSet => ({
    Name: 'api.shop.example.com.',
    Type: 'A',
    SetIdentifier: id,
    Weight: weight,
    AliasTarget: { HostedZoneId: 'Z32O12XQLNTSW2', DNSName: `${id}-alb-123.eu-west-1.elb.amazonaws.com.`, EvaluateTargetHealth: true },
    ...(id === 'blue' ? { HealthCheckId: BLUE_HEALTH } : {}),
  });
  const request = (overrides: Partial<TargetRestoreRequest<typeof parsed, { weights: Record<string, number> }>> = {}) => restoreRequest(parsed, { to: { weights: { blue: 100, green: 0 } } }, overrides);

  beforeEach(() => {
    route53Mock.reset();
    route53Mock.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [record('blue', 0), record('green', 100), { Name: 'www.shop.example.com.', Type: 'A', ResourceRecords: [{ Value: '192.0.2.1' }], TTL: 60 }],
      IsTruncated: true,
      NextRecordName: 'www.shop.example.com.',
      NextRecordType: 'AAAA',
      MaxItems: 300,
    });
    route53Mock.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: new Date() } });
  });

  it('is ready while every weighted record the weights name is there, and names the one that is gone', async () => {
    expect(await driver.readiness(parsed, { weights: { blue: 100, green: 0 } })).toEqual({ ready: true, detail: 'api.shop.example.com A has every weighted record (blue, green)' });
    expect(route53Mock.commandCalls(ListResourceRecordSetsCommand)[0]?.args[0].input).toEqual({ HostedZoneId: parsed.hostedZoneId, StartRecordName: 'api.shop.example.com', StartRecordType: 'A' });
    route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [record('blue', 0)], IsTruncated: false, MaxItems: 300 });
    expect(await driver.readiness(parsed, { weights: { blue: 100, green: 0 } })).toEqual({ ready: false, detail: `api.shop.example.com A in zone ${parsed.hostedZoneId} has no weighted record green` });
  });

  it('restores every weight in one UPSERT batch of the records as read, only their weight changed', async () => {
    const result = await driver.restore(request());

    expect(route53Mock.commandCalls(ListResourceRecordSetsCommand).map((call) => call.args[0].input)).toEqual([{ HostedZoneId: 'Z1D633PJN98FT9', StartRecordName: 'api.shop.example.com', StartRecordType: 'A' }]);
    expect(route53Mock.commandCalls(ChangeResourceRecordSetsCommand).map((call) => call.args[0].input)).toEqual([
      {
        HostedZoneId: 'Z1D633PJN98FT9',
        ChangeBatch: {
          Comment: 'rollback-controller run run-7: production back to 1.9.3',
          Changes: [
            { Action: 'UPSERT', ResourceRecordSet: record('blue', 100) },
            { Action: 'UPSERT', ResourceRecordSet: record('green', 0) },
          ],
        },
      },
    ]);
    expect(result).toEqual({
      outcome: 'restored',
      detail: 'api.shop.example.com A weights blue 0->100, green 100->0 (change C2682N5HXP0BZ4)',
      expectations: [{ target: 'route53-weighted', recordName: 'api.shop.example.com', weights: { blue: 100, green: 0 }, changeId: 'C2682N5HXP0BZ4' }],
    });
  });

  it('reads on past a page that ends inside the record set, from where Route 53 says to continue', async () => {
    route53Mock
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({ ResourceRecordSets: [record('blue', 0)], IsTruncated: true, NextRecordName: 'api.shop.example.com.', NextRecordType: 'A', NextRecordIdentifier: 'green', MaxItems: 1 })
      .resolves({ ResourceRecordSets: [record('green', 100)], IsTruncated: false, MaxItems: 1 });

    expect(await driver.capture(parsed, {})).toEqual({ weights: { blue: 0, green: 100 } });
    expect(route53Mock.commandCalls(ListResourceRecordSetsCommand)[1]?.args[0].input).toEqual({
      HostedZoneId: 'Z1D633PJN98FT9',
      StartRecordName: 'api.shop.example.com.',
      StartRecordType: 'A',
      StartRecordIdentifier: 'green',
    });
  });

  it('fails, changing nothing, when a weighted record is missing from the zone', async () => {
    route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [record('blue', 0)], IsTruncated: false, MaxItems: 300 });

    const result = await driver.restore(request());

    expect(result).toEqual({ outcome: 'failed', detail: 'api.shop.example.com A: cannot read the weighted records: Error: api.shop.example.com A in zone Z1D633PJN98FT9 has no weighted record green' });
    expect(route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('a resumed run finding the weights already back changes nothing', async () => {
    route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [record('blue', 100), record('green', 0)], IsTruncated: false, MaxItems: 300 });

    const result = await driver.restore(request({ resumed: true }));

    expect(route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(result).toMatchObject({ outcome: 'unchanged', expectations: [{ weights: { blue: 100, green: 0 } }] });
  });

  it('in a drill reads the weights and changes nothing', async () => {
    expect(await driver.restore(request({ simulate: true }))).toEqual({ outcome: 'would_restore', detail: 'would set api.shop.example.com A weights blue 0->100, green 100->0' });
    expect(route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('checks the weights, waits for the change to be INSYNC, and for the health of the record taking traffic', async () => {
    const expectation = { target: 'route53-weighted' as const, recordName: 'api.shop.example.com', weights: { blue: 100, green: 0 }, changeId: 'C2682N5HXP0BZ4' };
    route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [record('blue', 100), record('green', 0)], IsTruncated: false, MaxItems: 300 });
    route53Mock.on(GetChangeCommand).resolvesOnce({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: new Date() } }).resolves({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'INSYNC', SubmittedAt: new Date() } });
    route53Mock
      .on(GetHealthCheckStatusCommand)
      .resolvesOnce({ HealthCheckObservations: [{ Region: 'eu-west-1', IPAddress: '15.177.62.21', StatusReport: { Status: 'Failure: HTTP Status Code 503' } }] })
      .resolves({ HealthCheckObservations: [{ Region: 'eu-west-1', IPAddress: '15.177.62.21', StatusReport: { Status: 'Success: HTTP Status Code 200' } }] });

    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'change C2682N5HXP0BZ4 is PENDING, not INSYNC yet', inconclusive: true });
    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'health check of blue (taking traffic) is unhealthy' });
    expect(await driver.check(parsed, expectation)).toEqual({ passed: true, detail: 'api.shop.example.com A weights blue=100, green=0' });
    expect(route53Mock.commandCalls(GetChangeCommand)[0]?.args[0].input).toEqual({ Id: 'C2682N5HXP0BZ4' });
    expect(route53Mock.commandCalls(GetHealthCheckStatusCommand)[0]?.args[0].input).toEqual({ HealthCheckId: BLUE_HEALTH });
  });

  it('a record set with the wrong weights fails the check, saying which', async () => {
    const expectation = { target: 'route53-weighted' as const, recordName: 'api.shop.example.com', weights: { blue: 100, green: 0 } };

    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'api.shop.example.com A: blue has weight 0, expected 100, green has weight 100, expected 0' });
  });
});
