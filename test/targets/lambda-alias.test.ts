import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { lambdaAliasTarget } from '../../shared/targets/lambda-alias';
import { describeTargetContract } from '../helpers/target-contract';

const config = { type: 'lambda-alias', alias: 'live', functions: ['shop-prod-api', 'shop-prod-worker'] };
const fn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;
const aliases = ['shop-prod-api', 'shop-prod-worker'].flatMap((name) => [fn(name), `${fn(name)}:live`]);

describeTargetContract({
  plugin: lambdaAliasTarget,
  config,
  bad: { versions: { 'shop-prod-api': '42', 'shop-prod-worker': '17' } },
  good: { versions: { 'shop-prod-api': '41', 'shop-prod-worker': '16' } },
  flagValues: ['shop-prod-api=41', 'shop-prod-worker=16'],
  invalid: { field: 'alias', value: '7', problem: 'alias: must be a Lambda alias name' },
  iam: {
    restore: { 'lambda:GetAlias': aliases, 'lambda:UpdateAlias': aliases },
    check: { 'lambda:GetAlias': aliases },
    capture: { 'lambda:GetAlias': aliases },
    readiness: { 'lambda:GetFunctionConfiguration': ['shop-prod-api', 'shop-prod-worker'].flatMap((name) => [fn(name), `${fn(name)}:*`]), 'lambda:GetAlias': aliases },
  },
  wildcards: ['lambda:GetFunctionConfiguration'],
});

describe('the Lambda alias target against AWS (aws-sdk-client-mock)', () => {
  const lambdaMock = mockClient(LambdaClient);
  const driver = lambdaAliasTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = lambdaAliasTarget.configSchema.parse(config);

  beforeEach(() => lambdaMock.reset());

  it('captures what each alias serves now, and refuses to record an alias it cannot read', async () => {
    lambdaMock.on(GetAliasCommand, { FunctionName: 'shop-prod-api' }).resolves({ FunctionVersion: '41' }).on(GetAliasCommand, { FunctionName: 'shop-prod-worker' }).resolves({ FunctionVersion: '16' });

    expect(await driver.capture(parsed, {})).toEqual({ versions: { 'shop-prod-api': '41', 'shop-prod-worker': '16' } });
    expect(lambdaMock.commandCalls(GetAliasCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'shop-prod-api', Name: 'live' },
      { FunctionName: 'shop-prod-worker', Name: 'live' },
    ]);
    lambdaMock.on(GetAliasCommand, { FunctionName: 'shop-prod-worker' }).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(driver.capture(parsed, {})).rejects.toThrow('cannot read alias live of shop-prod-worker (AccessDeniedException: denied)');
  });

  it('tries a refused alias once more, and when it is refused again says per function what serves traffic now', async () => {
    const point = { versions: { 'shop-prod-api': '41', 'shop-prod-worker': '16' } };
    const denied = Object.assign(new Error('not authorized to perform: lambda:UpdateAlias'), { name: 'AccessDeniedException' });
    const request = { environment: 'production', runId: 'r', config: parsed, to: point, fromVersion: '2', toVersion: '1', toDeploymentId: 'good-1', reason: 'x', simulate: false, resumed: false };
    lambdaMock.on(UpdateAliasCommand, { FunctionName: 'shop-prod-api' }).resolves({}).on(UpdateAliasCommand, { FunctionName: 'shop-prod-worker' }).rejectsOnce(denied).resolves({});

    const retried = await driver.restore(request);

    expect(retried).toMatchObject({ outcome: 'restored' });
    expect(lambdaMock.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input.FunctionName)).toEqual(['shop-prod-api', 'shop-prod-worker', 'shop-prod-worker']);

    lambdaMock.reset();
    lambdaMock.on(UpdateAliasCommand, { FunctionName: 'shop-prod-api' }).resolves({}).on(UpdateAliasCommand, { FunctionName: 'shop-prod-worker' }).rejects(denied);
    lambdaMock.on(GetAliasCommand, { FunctionName: 'shop-prod-api' }).resolves({ FunctionVersion: '41' }).on(GetAliasCommand, { FunctionName: 'shop-prod-worker' }).resolves({ FunctionVersion: '17' });

    expect(await driver.restore(request)).toEqual({
      outcome: 'failed',
      detail: 'alias live: shop-prod-worker: AccessDeniedException: not authorized to perform: lambda:UpdateAlias (tried twice); now shop-prod-api serves 41 (restored), shop-prod-worker serves 17',
    });
  });

  it('is ready to restore while every recorded version exists, and says which is gone when one is not', async () => {
    const point = { versions: { 'shop-prod-api': '41', 'shop-prod-worker': '16' } };
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ State: 'Active' });

    expect(await driver.readiness(parsed, point)).toEqual({ ready: true, detail: 'versions shop-prod-api=41, shop-prod-worker=16 exist' });
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'shop-prod-api', Qualifier: '41' },
      { FunctionName: 'shop-prod-worker', Qualifier: '16' },
    ]);
    lambdaMock.on(GetFunctionConfigurationCommand, { FunctionName: 'shop-prod-worker', Qualifier: '16' }).rejects(Object.assign(new Error('Function not found: shop-prod-worker:16'), { name: 'ResourceNotFoundException' }));
    expect(await driver.readiness(parsed, point)).toEqual({ ready: false, detail: 'shop-prod-worker version 16: ResourceNotFoundException: Function not found: shop-prod-worker:16' });
  });

  it('fails, changing nothing, when the known good recorded no version for a function', async () => {
    const result = await driver.restore({
      environment: 'production',
      runId: 'r',
      config: parsed,
      to: { versions: { 'shop-prod-api': '41' } },
      fromVersion: '2',
      toVersion: '1',
      toDeploymentId: 'good-1',
      reason: 'x',
      simulate: false,
      resumed: false,
    });

    expect(result).toEqual({ outcome: 'failed', detail: 'known-good deployment good-1 recorded no version for shop-prod-worker: cannot restore them' });
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });
});
