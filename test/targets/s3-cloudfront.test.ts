import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  PreconditionFailed,
  UpdateDistributionCommand,
  type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { s3CloudFrontTarget } from '../../shared/targets/s3-cloudfront';
import type { TargetRestoreRequest } from '../../shared/targets/target-plugin';
import { describeTargetContract, restoreRequest } from '../helpers/target-contract';

const config = { type: 's3-cloudfront', bucket: 'shop-frontend', releasesPrefix: 'releases/', distributionId: 'E2QWRUHAPOMQZL', pointer: { kind: 'origin-path', originId: 'releases' } };
const distribution = 'arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL';

describeTargetContract({
  plugin: s3CloudFrontTarget,
  config,
  bad: { release: '2.0.0' },
  good: { release: '1.9.3' },
  flagValues: ['1.9.3'],
  invalid: { field: 'distributionId', value: 'my-distribution', problem: 'distributionId: must be a CloudFront distribution id' },
  iam: {
    restore: {
      's3:ListBucket': ['arn:aws:s3:::shop-frontend'],
      'cloudfront:GetDistributionConfig': [distribution],
      'cloudfront:UpdateDistribution': [distribution],
      'cloudfront:CreateInvalidation': [distribution],
    },
    check: { 'cloudfront:GetDistributionConfig': [distribution], 'cloudfront:GetInvalidation': [distribution] },
    capture: { 'cloudfront:GetDistributionConfig': [distribution] },
    readiness: { 's3:ListBucket': ['arn:aws:s3:::shop-frontend'], 'cloudfront:GetDistributionConfig': [distribution] },
  },
  conditions: { 's3:ListBucket': { StringLike: { 's3:prefix': ['releases/*'] } } },
});

describe('the S3 + CloudFront target with a pointer object declares only that object', () => {
  it('reads and writes the one key, and lists only under the releases prefix', () => {
    const parsed = s3CloudFrontTarget.configSchema.parse({ ...config, pointer: { kind: 'object', key: 'current.json' } });
    const iam = s3CloudFrontTarget.iam(parsed, (service, resource, options = {}) => `arn:aws:${service}:${options.region ?? 'eu-west-1'}:${options.account ?? '123456789012'}:${resource}`);

    expect(iam.restore.flatMap((statement) => statement.actions.map((action) => `${action} ${statement.resources.join(' ')}`)).sort()).toEqual([
      `cloudfront:CreateInvalidation ${distribution}`,
      's3:GetObject arn:aws:s3:::shop-frontend/current.json',
      's3:ListBucket arn:aws:s3:::shop-frontend',
      's3:PutObject arn:aws:s3:::shop-frontend/current.json',
    ]);
  });
});

describe('the S3 + CloudFront target against AWS (aws-sdk-client-mock)', () => {
  const s3Mock = mockClient(S3Client);
  const cloudFrontMock = mockClient(CloudFrontClient);
  const driver = s3CloudFrontTarget.aws(awsClientFactory({ base: { region: 'eu-west-1' } }));
  const parsed = s3CloudFrontTarget.configSchema.parse(config);
  const distributionConfig = (originPath: string): DistributionConfig =>
    ({
      CallerReference: 'created-by-terraform',
      Comment: 'shop',
      Enabled: true,
      Origins: {
        Quantity: 2,
        Items: [
          { Id: 'releases', DomainName: 'shop-frontend.s3.eu-west-1.amazonaws.com', OriginPath: originPath },
          { Id: 'api', DomainName: 'api.shop.example.com', OriginPath: '' },
        ],
      },
      DefaultCacheBehavior: { TargetOriginId: 'releases', ViewerProtocolPolicy: 'redirect-to-https' },
    }) as DistributionConfig;
  const request = (overrides: Partial<TargetRestoreRequest<typeof parsed, { release: string }>> = {}) => restoreRequest(parsed, { from: { release: '2.0.0' }, to: { release: '1.9.3' } }, overrides);

  beforeEach(() => {
    s3Mock.reset();
    cloudFrontMock.reset();
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 1 });
    cloudFrontMock.on(GetDistributionConfigCommand).resolves({ DistributionConfig: distributionConfig('/releases/2.0.0'), ETag: 'E3ETAG' });
    cloudFrontMock.on(CreateInvalidationCommand).resolves({ Invalidation: { Id: 'I2J0I21PCUYOIK', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });
  });

  it('is ready while the known good’s release folder is in the bucket, and says so when it is gone', async () => {
    expect(await driver.readiness(parsed, { release: '1.9.3' })).toEqual({ ready: true, detail: 'release 1.9.3 is in s3://shop-frontend/releases/' });
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({ Bucket: 'shop-frontend', Prefix: 'releases/1.9.3/', MaxKeys: 1 });
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    expect(await driver.readiness(parsed, { release: '1.9.3' })).toEqual({ ready: false, detail: 'release 1.9.3 is no longer in s3://shop-frontend/releases/' });
  });

  it('points the origin back at the release with the ETag it read, keeping the rest of the distribution, then invalidates under the run’s reference', async () => {
    const result = await driver.restore(request());

    expect(s3Mock.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({ Bucket: 'shop-frontend', Prefix: 'releases/1.9.3/', MaxKeys: 1 });
    expect(cloudFrontMock.commandCalls(GetDistributionConfigCommand)[0]?.args[0].input).toEqual({ Id: 'E2QWRUHAPOMQZL' });
    expect(cloudFrontMock.commandCalls(UpdateDistributionCommand).map((call) => call.args[0].input)).toEqual([
      { Id: 'E2QWRUHAPOMQZL', IfMatch: 'E3ETAG', DistributionConfig: distributionConfig('/releases/1.9.3') },
    ]);
    expect(cloudFrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input)).toEqual([
      { DistributionId: 'E2QWRUHAPOMQZL', InvalidationBatch: { CallerReference: 'rollback-controller-run-7-production', Paths: { Quantity: 1, Items: ['/*'] } } },
    ]);
    expect(result).toEqual({
      outcome: 'restored',
      detail: 'origin releases of distribution E2QWRUHAPOMQZL 2.0.0 -> 1.9.3; invalidation I2J0I21PCUYOIK of /*',
      expectations: [{ target: 's3-cloudfront', release: '1.9.3', invalidationId: 'I2J0I21PCUYOIK', version: '1.9.3' }],
    });
  });

  it('refuses, changing nothing, a release that is not in the bucket', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });

    const result = await driver.restore(request());

    expect(result).toEqual({ outcome: 'failed', detail: 'frontend shop-frontend: release 1.9.3 is not in s3://shop-frontend/releases/: nothing to point origin releases of distribution E2QWRUHAPOMQZL at' });
    expect(cloudFrontMock.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
    expect(cloudFrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
  });

  it('reads the distribution again once when someone else changed it between read and write', async () => {
    cloudFrontMock
      .on(GetDistributionConfigCommand)
      .resolvesOnce({ DistributionConfig: distributionConfig('/releases/2.0.0'), ETag: 'E1' })
      .resolvesOnce({ DistributionConfig: distributionConfig('/releases/2.0.0'), ETag: 'E1' })
      .resolves({ DistributionConfig: distributionConfig('/releases/2.0.0'), ETag: 'E2' });
    cloudFrontMock.on(UpdateDistributionCommand, { IfMatch: 'E1' }).rejects(new PreconditionFailed({ message: 'The precondition given in one or more of the request-header fields evaluated to false.', $metadata: {} }));

    const result = await driver.restore(request());

    expect(cloudFrontMock.commandCalls(UpdateDistributionCommand).map((call) => call.args[0].input.IfMatch)).toEqual(['E1', 'E2']);
    expect(result.outcome).toBe('restored');
  });

  it('a resumed run finding the pointer already moved only repeats the invalidation, which AWS deduplicates by reference', async () => {
    cloudFrontMock.on(GetDistributionConfigCommand).resolves({ DistributionConfig: distributionConfig('/releases/1.9.3'), ETag: 'E3ETAG' });

    const result = await driver.restore(request({ resumed: true }));

    expect(cloudFrontMock.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
    expect(cloudFrontMock.commandCalls(CreateInvalidationCommand)[0]?.args[0].input.InvalidationBatch?.CallerReference).toBe('rollback-controller-run-7-production');
    expect(result.outcome).toBe('unchanged');
  });

  it('in a drill reads the pointer and writes nothing', async () => {
    const result = await driver.restore(request({ simulate: true }));

    expect(result).toEqual({ outcome: 'would_restore', detail: 'would point origin releases of distribution E2QWRUHAPOMQZL 2.0.0 -> 1.9.3 and invalidate /*' });
    expect(cloudFrontMock.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
    expect(cloudFrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
  });

  it('with a pointer object, writes the release into it instead of touching the distribution', async () => {
    const withObject = s3CloudFrontTarget.configSchema.parse({ ...config, pointer: { kind: 'object', key: 'current.json' } });
    // The SDK's body stream: the driver reads it only as a string.
    s3Mock.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify({ release: '2.0.0' }) } as never });

    const result = await driver.restore(request({ config: withObject }));

    expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'shop-frontend', Key: 'current.json', Body: '{"release":"1.9.3","path":"releases/1.9.3/"}', ContentType: 'application/json', CacheControl: 'no-cache' },
    ]);
    expect(cloudFrontMock.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
    expect(result.outcome).toBe('restored');
  });

  it('checks that the pointer names the release and waits for the invalidation to complete', async () => {
    const expectation = { target: 's3-cloudfront' as const, release: '1.9.3', invalidationId: 'I2J0I21PCUYOIK', version: '1.9.3' };
    cloudFrontMock.on(GetDistributionConfigCommand).resolves({ DistributionConfig: distributionConfig('/releases/1.9.3'), ETag: 'E3ETAG' });
    cloudFrontMock.on(GetInvalidationCommand).resolvesOnce({ Invalidation: { Id: 'I2J0I21PCUYOIK', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } }).resolves({ Invalidation: { Id: 'I2J0I21PCUYOIK', Status: 'Completed', CreateTime: new Date(), InvalidationBatch: undefined } });

    expect(await driver.check(parsed, expectation)).toEqual({ passed: false, detail: 'invalidation I2J0I21PCUYOIK is InProgress, not Completed yet', inconclusive: true });
    expect(await driver.check(parsed, expectation)).toEqual({ passed: true, detail: 'release 1.9.3 live' });
    expect(cloudFrontMock.commandCalls(GetInvalidationCommand)[0]?.args[0].input).toEqual({ DistributionId: 'E2QWRUHAPOMQZL', Id: 'I2J0I21PCUYOIK' });
  });

  it('captures the release the origin serves, and refuses an origin path outside the releases prefix', async () => {
    expect(await driver.capture(parsed, {})).toEqual({ release: '2.0.0' });
    cloudFrontMock.on(GetDistributionConfigCommand).resolves({ DistributionConfig: distributionConfig('/legacy'), ETag: 'E3ETAG' });

    await expect(driver.capture(parsed, {})).rejects.toThrow('origin releases of distribution E2QWRUHAPOMQZL names no release under releases/');
  });
});
