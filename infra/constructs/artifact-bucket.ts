import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * What targets capture beside a deployment's record and cannot keep on it (a stack's template, up to
 * 1 MB): private, encrypted, TLS only, kept when the stack goes (the history points at it). Each
 * target writes under its own prefix, `<type>/`.
 */
export class ArtifactBucket extends Construct {
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'Only the controller’s own functions write and read it, each call in CloudTrail; an access-log bucket would hold nothing more.' });
  }

  /** Read (and, for the recorder, write) what the given target types keep: `<type>/*` each. */
  statements(types: readonly string[], access: 'read' | 'read-write'): PolicyStatement[] {
    if (types.length === 0) return [];
    const actions = access === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject'];
    return [new PolicyStatement({ actions, resources: types.map((type) => this.bucket.arnForObjects(`${type}/*`)) })];
  }

  /** The cdk-nag acknowledgement for each `<type>/*` the statements name (cdk-nag names the bucket's ARN `<LogicalId.Arn>`). */
  wildcards(types: readonly string[]): { resource: string; reason: string }[] {
    const bucketArn = `<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>`;
    return types.map((type) => ({ resource: `${bucketArn}/${type}/*`, reason: `Objects under ${type}/ are keyed by what they hold (a template's hash), unknown until captured: the prefix is the narrowest name.` }));
  }
}
