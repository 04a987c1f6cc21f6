import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import { describePointer, judgeFrontend, type S3CloudFrontConfig, type S3CloudFrontExpectation, type S3CloudFrontPoint } from './s3-cloudfront-rules';

/** The frontend in the sandbox: the release its pointer names; an invalidation completes at once, the site serves what is named. */
export function s3CloudFrontTwin({ slot }: SandboxTwinContext<S3CloudFrontPoint>): TargetDriver<S3CloudFrontConfig, S3CloudFrontPoint, S3CloudFrontExpectation> {
  return {
    async restore({ config, to, toVersion, simulate }) {
      const move = `${describePointer(config)} ${slot.value?.release ?? '?'} -> ${to.release}`;
      if (simulate) return { outcome: 'would_restore', detail: `would point ${move} and invalidate ${config.invalidate.join(', ')}` };
      const invalidationId = slot.nextId('invalidation');
      slot.value = { release: to.release };
      return { outcome: 'restored', detail: `${move}; invalidation ${invalidationId} of ${config.invalidate.join(', ')}`, expectations: [{ target: 's3-cloudfront', release: to.release, invalidationId, version: toVersion }] };
    },
    async check(config, expectation) {
      const release = slot.value?.release;
      return judgeFrontend(config, expectation, { release, invalidationStatus: 'Completed', servedVersion: release === expectation.release ? expectation.version : undefined });
    },
    async capture() {
      if (!slot.value) throw new Error(`the sandbox frontend in ${slot.environment} names no release`);
      return slot.value;
    },
    async readiness(_config, point) {
      return { ready: true, detail: `release ${point.release} is in the bucket (sandbox)` };
    },
  };
}
