// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { probeUrlSchema } from '../../validation/checks/probe-url';
import { iamLiteral, targetLocationSchema, type TargetObservation } from '../target-plugin';

/** Where the live release is named: the CloudFront origin's path, or a small JSON object in the bucket. */
const pointerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('origin-path'), originId: z.string().min(1).max(128) }),
  z.strictObject({ kind: z.literal('object'), key: iamLiteral(z.string().regex(/^[^/].{0,1023}$/, 'must be an S3 key (no leading /)')) }),
]);

export const s3CloudFrontConfigSchema = z.strictObject({
  type: z.literal('s3-cloudfront'),
  /** The bucket holding every release, one folder each under `releasesPrefix`. */
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  releasesPrefix: iamLiteral(z.string().regex(/^([^/][^*]*\/)?$/, 'must be a folder such as "releases/" (ending in /, not starting with /)')),
  distributionId: z.string().regex(/^[A-Z0-9]{1,32}$/, 'must be a CloudFront distribution id such as E2QWRUHAPOMQZL'),
  pointer: pointerSchema,
  /** What is invalidated after the pointer moves (CloudFront paths). */
  invalidate: z.array(z.string().regex(/^\/\S*$/, 'must be a path starting with /')).min(1).max(15).default(['/*']),
  /** A URL the site answers with the version it serves (JSON), checked after the restore. */
  siteVersionUrl: probeUrlSchema.optional(),
  versionField: z.string().min(1).default('version'),
  ...targetLocationSchema,
});
export type S3CloudFrontConfig = z.output<typeof s3CloudFrontConfigSchema>;

/** The release (its folder name under the prefix) the deployment put live. */
export const s3CloudFrontPointSchema = z.object({ release: z.string().regex(/^[^/*]{1,200}$/, 'must be a release folder name') });
export type S3CloudFrontPoint = z.output<typeof s3CloudFrontPointSchema>;

/** The pointer must name the release, the invalidation must have completed, and the site must serve the version. */
export const s3CloudFrontExpectationSchema = z.object({
  target: z.literal('s3-cloudfront'),
  release: z.string().min(1),
  invalidationId: z.string().min(1).optional(),
  version: z.string().min(1),
});
export type S3CloudFrontExpectation = z.output<typeof s3CloudFrontExpectationSchema>;

/** "releases/1.3.0": the release's folder in the bucket. Pure. */
export function releaseFolder(config: S3CloudFrontConfig, release: string): string {
  return `${config.releasesPrefix}${release}`;
}

/** "/releases/1.3.0": the origin path that serves a release (CloudFront wants a leading / and no trailing one). Pure. */
export function originPathFor(config: S3CloudFrontConfig, release: string): string {
  return `/${releaseFolder(config, release)}`;
}

/** The release an origin path serves, or undefined when it is not under the releases prefix. Pure. */
export function releaseOfOriginPath(config: S3CloudFrontConfig, originPath: string | undefined): string | undefined {
  const prefix = `/${config.releasesPrefix}`;
  if (!originPath?.startsWith(prefix)) return undefined;
  const release = originPath.slice(prefix.length).replace(/\/+$/, '');
  return release && !release.includes('/') ? release : undefined;
}

/** The pointer object's body: the release and its folder. */
export function pointerBody(config: S3CloudFrontConfig, release: string): string {
  return JSON.stringify({ release, path: `${releaseFolder(config, release)}/` });
}

export function releaseOfPointerBody(body: string): string | undefined {
  try {
    const release = (JSON.parse(body) as { release?: unknown }).release;
    return typeof release === 'string' ? release : undefined;
  } catch {
    return undefined;
  }
}

export function describePointer(config: S3CloudFrontConfig): string {
  return config.pointer.kind === 'origin-path' ? `origin ${config.pointer.originId} of distribution ${config.distributionId}` : `s3://${config.bucket}/${config.pointer.key}`;
}

/** What was read of the frontend after a restore. */
export interface FrontendReading {
  release?: string;
  invalidationStatus?: string;
  servedVersion?: string;
  error?: string;
}

/** Whether the pointer names the release, its invalidation completed, and the site serves the version. Pure. */
export function judgeFrontend(config: S3CloudFrontConfig, expectation: S3CloudFrontExpectation, reading: FrontendReading): TargetObservation {
  if (reading.error) return { passed: false, detail: reading.error, inconclusive: true };
  if (reading.release !== expectation.release) return { passed: false, detail: `${describePointer(config)} names release ${reading.release ?? 'none'}, expected ${expectation.release}` };
  if (expectation.invalidationId && reading.invalidationStatus !== 'Completed') {
    return { passed: false, detail: `invalidation ${expectation.invalidationId} is ${reading.invalidationStatus ?? 'unknown'}, not Completed yet`, inconclusive: true };
  }
  if (config.siteVersionUrl && reading.servedVersion !== expectation.version) {
    return { passed: false, detail: `${config.siteVersionUrl} serves version ${reading.servedVersion ?? '?'}, expected ${expectation.version}` };
  }
  return { passed: true, detail: `release ${expectation.release} live${config.siteVersionUrl ? ` and served as ${expectation.version}` : ''}` };
}
