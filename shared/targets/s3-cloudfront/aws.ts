import type { CloudFrontClient, DistributionConfig } from '@aws-sdk/client-cloudfront';
import type { S3Client } from '@aws-sdk/client-s3';
import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import { HttpHealthProbe } from '../../validation/checks/http-health-probe';
import type { ClientFactory } from '../client-factory';
import type { TargetDriver, TargetRestoreResult } from '../target-plugin';
import {
  describePointer,
  judgeFrontend,
  originPathFor,
  pointerBody,
  releaseFolder,
  releaseOfOriginPath,
  releaseOfPointerBody,
  type FrontendReading,
  type S3CloudFrontConfig,
  type S3CloudFrontExpectation,
  type S3CloudFrontPoint,
} from './s3-cloudfront-rules';

const cloudFrontSdk = loadOnce(() => import('@aws-sdk/client-cloudfront'));
const s3Sdk = loadOnce(() => import('@aws-sdk/client-s3'));
const SITE_TIMEOUT_MS = 5_000;

/**
 * A versioned frontend: releases live under a prefix in S3, and a pointer — the CloudFront origin's
 * path, or a small object — names the live one. Restoring points it back at the recorded release
 * (which must exist) and invalidates CloudFront's cache.
 */
export function s3CloudFrontDriver(clients: ClientFactory): TargetDriver<S3CloudFrontConfig, S3CloudFrontPoint, S3CloudFrontExpectation> {
  const cloudFront = async (config: S3CloudFrontConfig): Promise<CloudFrontClient> => clients.client((await cloudFrontSdk()).CloudFrontClient, config);
  const s3 = async (config: S3CloudFrontConfig): Promise<S3Client> => clients.client((await s3Sdk()).S3Client, config);
  const probe = new HttpHealthProbe();

  const readDistribution = async (config: S3CloudFrontConfig) => {
    const { GetDistributionConfigCommand } = await cloudFrontSdk();
    const result = await (await cloudFront(config)).send(new GetDistributionConfigCommand({ Id: config.distributionId }));
    if (!result.DistributionConfig || !result.ETag) throw new Error(`distribution ${config.distributionId} returned no configuration`);
    return { distribution: result.DistributionConfig, etag: result.ETag };
  };

  /** The release the pointer names now. */
  const readRelease = async (config: S3CloudFrontConfig): Promise<string | undefined> => {
    if (config.pointer.kind === 'origin-path') {
      const { originId } = config.pointer;
      const { distribution } = await readDistribution(config);
      const origin = distribution.Origins?.Items?.find((candidate) => candidate.Id === originId);
      if (!origin) throw new Error(`distribution ${config.distributionId} has no origin ${originId}`);
      return releaseOfOriginPath(config, origin.OriginPath);
    }
    const { GetObjectCommand } = await s3Sdk();
    const result = await (await s3(config)).send(new GetObjectCommand({ Bucket: config.bucket, Key: config.pointer.key }));
    return releaseOfPointerBody((await result.Body?.transformToString()) ?? '');
  };

  /** Points the origin path at the release; a concurrent edit (PreconditionFailed) is read again once. */
  const pointOrigin = async (config: S3CloudFrontConfig, originId: string, release: string): Promise<void> => {
    const { PreconditionFailed, UpdateDistributionCommand } = await cloudFrontSdk();
    for (let attempt = 1; ; attempt += 1) {
      const { distribution, etag } = await readDistribution(config);
      const items = distribution.Origins?.Items ?? [];
      if (!items.some((origin) => origin.Id === originId)) throw new Error(`distribution ${config.distributionId} has no origin ${originId}`);
      const updated: DistributionConfig = {
        ...distribution,
        Origins: { ...distribution.Origins!, Items: items.map((origin) => (origin.Id === originId ? { ...origin, OriginPath: originPathFor(config, release) } : origin)) },
      };
      try {
        await (await cloudFront(config)).send(new UpdateDistributionCommand({ Id: config.distributionId, IfMatch: etag, DistributionConfig: updated }));
        return;
      } catch (error) {
        if (!(error instanceof PreconditionFailed) || attempt >= 2) throw error;
      }
    }
  };

  /** Whether the release folder holds anything: one key is enough. */
  const releaseExists = async (config: S3CloudFrontConfig, release: string): Promise<boolean> => {
    const { ListObjectsV2Command } = await s3Sdk();
    const listed = await (await s3(config)).send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: `${releaseFolder(config, release)}/`, MaxKeys: 1 }));
    return Boolean(listed.KeyCount);
  };

  return {
    async restore({ config, to, toVersion, environment, runId, simulate }) {
      const fail = (detail: string): TargetRestoreResult<S3CloudFrontExpectation> => ({ outcome: 'failed', detail: `frontend ${config.bucket}: ${detail}` });
      const { PutObjectCommand } = await s3Sdk();
      try {
        // A release that is not in the bucket cannot be pointed at: the site would serve nothing.
        if (!(await releaseExists(config, to.release))) return fail(`release ${to.release} is not in s3://${config.bucket}/${config.releasesPrefix}: nothing to point ${describePointer(config)} at`);
      } catch (error) {
        return fail(`cannot list release ${to.release}: ${errorLine(error)}`);
      }
      let current: string | undefined;
      try {
        current = await readRelease(config);
      } catch (error) {
        return fail(`cannot read ${describePointer(config)}: ${errorLine(error)}`);
      }
      const move = `${describePointer(config)} ${current ?? '?'} -> ${to.release}`;
      if (simulate) return { outcome: 'would_restore', detail: `would point ${move} and invalidate ${config.invalidate.join(', ')}` };
      try {
        if (current !== to.release) {
          if (config.pointer.kind === 'origin-path') await pointOrigin(config, config.pointer.originId, to.release);
          else await (await s3(config)).send(new PutObjectCommand({ Bucket: config.bucket, Key: config.pointer.key, Body: pointerBody(config, to.release), ContentType: 'application/json', CacheControl: 'no-cache' }));
        }
      } catch (error) {
        return fail(`cannot point ${describePointer(config)} at ${to.release}: ${errorLine(error)}`);
      }
      let invalidationId: string | undefined;
      try {
        const { CreateInvalidationCommand } = await cloudFrontSdk();
        // The same caller reference twice returns the first invalidation: a resumed run does not start another.
        const result = await (await cloudFront(config)).send(
          new CreateInvalidationCommand({
            DistributionId: config.distributionId,
            InvalidationBatch: { CallerReference: `rollback-controller-${runId}-${environment}`, Paths: { Quantity: config.invalidate.length, Items: config.invalidate } },
          }),
        );
        invalidationId = result.Invalidation?.Id;
      } catch (error) {
        return fail(`pointed at ${to.release}, but the invalidation failed: ${errorLine(error)} (the cache may serve the old release until it expires)`);
      }
      return {
        outcome: current === to.release ? 'unchanged' : 'restored',
        detail: `${current === to.release ? `${describePointer(config)} already names ${to.release}` : move}; invalidation ${invalidationId ?? '?'} of ${config.invalidate.join(', ')}`,
        expectations: [{ target: 's3-cloudfront', release: to.release, ...(invalidationId ? { invalidationId } : {}), version: toVersion }],
      };
    },

    async check(config, expectation) {
      const reading: FrontendReading = {};
      try {
        reading.release = await readRelease(config);
        if (expectation.invalidationId) {
          const { GetInvalidationCommand } = await cloudFrontSdk();
          const result = await (await cloudFront(config)).send(new GetInvalidationCommand({ DistributionId: config.distributionId, Id: expectation.invalidationId }));
          reading.invalidationStatus = result.Invalidation?.Status;
        }
        if (config.siteVersionUrl) {
          const served = await probe.probe({ url: config.siteVersionUrl, timeoutMs: SITE_TIMEOUT_MS, versionField: config.versionField });
          reading.servedVersion = served.version;
          if (served.error && served.version === undefined) reading.error = `${config.siteVersionUrl}: ${served.error}`;
        }
      } catch (error) {
        reading.error = `cannot read the frontend: ${errorLine(error)}`;
      }
      return judgeFrontend(config, expectation, reading);
    },

    async readiness(config, point) {
      try {
        return (await releaseExists(config, point.release))
          ? { ready: true, detail: `release ${point.release} is in s3://${config.bucket}/${config.releasesPrefix}` }
          : { ready: false, detail: `release ${point.release} is no longer in s3://${config.bucket}/${config.releasesPrefix}` };
      } catch (error) {
        return { ready: false, detail: `cannot list release ${point.release}: ${errorLine(error)}` };
      }
    },

    async capture(config) {
      const release = await readRelease(config);
      if (!release) throw new Error(`${describePointer(config)} names no release under ${config.releasesPrefix}`);
      return { release };
    },
  };
}
