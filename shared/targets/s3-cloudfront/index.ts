import { defineTarget } from '../target-plugin';
import { s3CloudFrontDriver } from './aws';
import { describePointer, s3CloudFrontConfigSchema, s3CloudFrontExpectationSchema, s3CloudFrontPointSchema } from './s3-cloudfront-rules';
import { s3CloudFrontTwin } from './sandbox';

/** A versioned frontend in S3 behind CloudFront: the release pointer goes back, the cache is invalidated. */
export const s3CloudFrontTarget = defineTarget({
  type: 's3-cloudfront',
  title: 'S3 + CloudFront release pointer',
  movesTraffic: true,
  pointIsServedState: true,
  checkName: 'frontend',
  configSchema: s3CloudFrontConfigSchema,
  restorePointSchema: s3CloudFrontPointSchema,
  expectationSchema: s3CloudFrontExpectationSchema,
  describeConfig: (config) => `releases in s3://${config.bucket}/${config.releasesPrefix}, live one named by ${describePointer(config)}`,
  describeRestorePoint: (point) => `release ${point.release}`,
  resourceKeys: (config) => [`s3-cloudfront ${config.roleArn ?? ''} ${config.distributionId} ${describePointer(config)}`],
  // The schema keeps a release to one folder name; "." and ".." would leave the releases prefix.
  pointProblems: (config, point) => (point.release === '.' || point.release === '..' ? [`release "${point.release}" is not a folder under s3://${config.bucket}/${config.releasesPrefix}`] : []),
  iam: (config, arn) => {
    const distribution = arn('cloudfront', `distribution/${config.distributionId}`, { region: '' });
    const s3 = (resource: string) => arn('s3', resource, { region: '', account: '' });
    const readPointer =
      config.pointer.kind === 'origin-path'
        ? { actions: ['cloudfront:GetDistributionConfig'], resources: [distribution] }
        : { actions: ['s3:GetObject'], resources: [s3(`${config.bucket}/${config.pointer.key}`)] };
    const writePointer =
      config.pointer.kind === 'origin-path'
        ? { actions: ['cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution'], resources: [distribution] }
        : { actions: ['s3:GetObject', 's3:PutObject'], resources: [s3(`${config.bucket}/${config.pointer.key}`)] };
    // Only whether a release folder exists: listing is limited to the releases prefix.
    const listReleases = { actions: ['s3:ListBucket'], resources: [s3(config.bucket)], conditions: { StringLike: { 's3:prefix': [`${config.releasesPrefix}*`] } } };
    return {
      restore: [
        listReleases,
        writePointer,
        { actions: ['cloudfront:CreateInvalidation'], resources: [distribution] },
      ],
      check: [readPointer, { actions: ['cloudfront:GetInvalidation'], resources: [distribution] }],
      capture: [readPointer],
      readiness: [listReleases, readPointer],
    };
  },
  aws: s3CloudFrontDriver,
  sandbox: s3CloudFrontTwin,
  demoRestorePoint: (_config, release) => ({ release: release.version }),
  recordFlag: {
    flags: '--release <name>',
    description: 'the release folder now live (its name under the releases prefix)',
    parse: (values) => ({ release: values.at(-1)! }),
  },
  scenario: {
    name: 'frontend-release',
    story: 'a frontend release breaks checkout; the release pointer goes back to the last good release and CloudFront’s cache is invalidated',
  },
});
