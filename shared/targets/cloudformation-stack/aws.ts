import type { Change, CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import type { ClientFactory } from '../client-factory';
import { ARTIFACT_BUCKET_VARIABLE, type TargetDriver, type TargetRestoreResult } from '../target-plugin';
import {
  changeSetNameFor,
  changeSetParameters,
  describeChanges,
  describeStack,
  isDeadEnd,
  judgeStack,
  recordedParameters,
  sameParameters,
  statefulChanges,
  templateHash,
  templateKeyOf,
  TEMPLATE_BODY_LIMIT_BYTES,
  type CloudFormationStackConfig,
  type CloudFormationStackExpectation,
  type CloudFormationStackPoint,
  type ResourceChangeReading,
} from './cloudformation-stack-rules';

const cloudFormationSdk = loadOnce(() => import('@aws-sdk/client-cloudformation'));
const s3Sdk = loadOnce(() => import('@aws-sdk/client-s3'));

export interface CloudFormationStackDriverOptions {
  /** The controller's artifact bucket (default: ROLLBACK_ARTIFACT_BUCKET). */
  bucket?: () => string | undefined;
  /** The controller's own region, where the bucket is (default: AWS_REGION). */
  homeRegion?: () => string | undefined;
  /** Between reads of a change set being computed (default 2 s). */
  pollMs?: number;
}

type Outcome = TargetRestoreResult<CloudFormationStackExpectation>;

/**
 * A CloudFormation stack: a change set back to the known good's template and parameters, reviewed
 * before it executes — a change that would replace or remove a stateful resource stops the restore
 * for a person, and the change set is kept for them, never executed. A drill creates, reviews and
 * deletes it.
 */
export function cloudFormationStackDriver(clients: ClientFactory, options: CloudFormationStackDriverOptions = {}): TargetDriver<CloudFormationStackConfig, CloudFormationStackPoint, CloudFormationStackExpectation> {
  const bucketName = options.bucket ?? (() => process.env[ARTIFACT_BUCKET_VARIABLE]);
  const homeRegion = options.homeRegion ?? (() => process.env.AWS_REGION);
  const pollMs = options.pollMs ?? 2_000;
  const cloudFormation = async (config: CloudFormationStackConfig): Promise<CloudFormationClient> => clients.client((await cloudFormationSdk()).CloudFormationClient, config);
  // The bucket is the controller's own, in its account and region.
  const s3 = async (): Promise<S3Client> => clients.client((await s3Sdk()).S3Client, {});
  const requireBucket = (): string => {
    const bucket = bucketName();
    if (!bucket) throw new Error(`${ARTIFACT_BUCKET_VARIABLE} is not set: the controller keeps stack templates in its artifact bucket (the stack's ArtifactBucketName output)`);
    return bucket;
  };

  const readStack = async (config: CloudFormationStackConfig): Promise<Stack> => {
    const { DescribeStacksCommand } = await cloudFormationSdk();
    const { Stacks } = await (await cloudFormation(config)).send(new DescribeStacksCommand({ StackName: config.stackName }));
    const stack = Stacks?.[0];
    if (!stack) throw new Error(`${describeStack(config)} not found`);
    return stack;
  };
  const readTemplate = async (config: CloudFormationStackConfig): Promise<string> => {
    const { GetTemplateCommand } = await cloudFormationSdk();
    const { TemplateBody } = await (await cloudFormation(config)).send(new GetTemplateCommand({ StackName: config.stackName, TemplateStage: 'Original' }));
    if (TemplateBody === undefined) throw new Error(`${describeStack(config)} returned no template`);
    return TemplateBody;
  };
  const readKeptTemplate = async (point: CloudFormationStackPoint): Promise<string> => {
    const { GetObjectCommand } = await s3Sdk();
    const object = await (await s3()).send(new GetObjectCommand({ Bucket: requireBucket(), Key: point.templateKey }));
    const body = (await object.Body?.transformToString('utf-8')) ?? '';
    if (templateHash(body) !== point.templateHash) throw new Error(`the kept template ${point.templateKey} does not match its recorded hash ${point.templateHash.slice(0, 12)}`);
    return body;
  };

  /** The change set's status and every resource change (DescribeChangeSet pages by NextToken). */
  const describeChangeSet = async (config: CloudFormationStackConfig, name: string) => {
    const { DescribeChangeSetCommand } = await cloudFormationSdk();
    const client = await cloudFormation(config);
    const changes: Change[] = [];
    let token: string | undefined;
    let first: { Status?: string; StatusReason?: string; ExecutionStatus?: string } | undefined;
    do {
      const page = await client.send(new DescribeChangeSetCommand({ StackName: config.stackName, ChangeSetName: name, ...(token ? { NextToken: token } : {}) }));
      first ??= page;
      changes.push(...(page.Changes ?? []));
      token = page.NextToken;
    } while (token);
    const resourceChanges: ResourceChangeReading[] = changes.map(({ ResourceChange: change }) => ({
      action: change?.Action,
      logicalResourceId: change?.LogicalResourceId,
      physicalResourceId: change?.PhysicalResourceId,
      resourceType: change?.ResourceType,
      replacement: change?.Replacement,
      policyAction: change?.PolicyAction,
    }));
    return { status: first?.Status, statusReason: first?.StatusReason, executionStatus: first?.ExecutionStatus, changes: resourceChanges };
  };

  /** Waits while CloudFormation computes the change set, at most the configured time. */
  const settledChangeSet = async (config: CloudFormationStackConfig, name: string) => {
    const deadline = Date.now() + config.changeSetTimeoutSeconds * 1_000;
    for (;;) {
      const read = await describeChangeSet(config, name);
      if (read.status !== 'CREATE_PENDING' && read.status !== 'CREATE_IN_PROGRESS') return read;
      if (Date.now() >= deadline) return { ...read, status: 'TIMED_OUT' };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };

  return {
    async restore({ config, to, runId, toVersion, toDeploymentId, simulate, resumed }) {
      const name = describeStack(config);
      const fail = (detail: string, extra: Partial<Outcome> = {}): Outcome => ({ outcome: 'failed', detail: `${name}: ${detail}`, ...extra });
      const expectations = [{ target: 'cloudformation-stack' as const, stack: config.stackName, templateHash: to.templateHash }];
      const sdk = await cloudFormationSdk();
      const client = await cloudFormation(config);
      let stack: Stack;
      try {
        stack = await readStack(config);
      } catch (error) {
        return fail(`cannot read it: ${errorLine(error)}`);
      }
      const status = stack.StackStatus ?? 'unknown';
      const changeSet = changeSetNameFor(runId, simulate);
      // One token per operation of the run: a retry of the same call is recognised, never confused with another.
      const token = (operation: string) => `${changeSet.slice(0, 127 - operation.length)}-${operation}`;
      // A resumed run may find its change set: created and still to review, or executed already (then the update in flight is its own).
      let existing: Awaited<ReturnType<typeof describeChangeSet>> | undefined;
      if (resumed && !simulate) {
        try {
          existing = await describeChangeSet(config, changeSet);
        } catch (error) {
          if ((error as Error).name !== 'ChangeSetNotFoundException') return fail(`cannot read change set ${changeSet}: ${errorLine(error)}`);
        }
      }
      // An update in flight is cancelled (CancelUpdateStack takes only UPDATE_IN_PROGRESS): CloudFormation rolls it back to the template before it.
      if (status === 'UPDATE_IN_PROGRESS') {
        if (existing?.executionStatus === 'EXECUTE_IN_PROGRESS' || existing?.executionStatus === 'EXECUTE_COMPLETE') {
          return { outcome: 'restored', detail: `change set ${changeSet} of ${name} is executing (${existing.executionStatus}): back to template ${to.templateHash.slice(0, 12)}`, expectations };
        }
        if (simulate) return { outcome: 'would_restore', detail: `would cancel the update in progress of ${name} (CloudFormation then rolls it back to the template before it)` };
        try {
          await client.send(new sdk.CancelUpdateStackCommand({ StackName: config.stackName, ClientRequestToken: token('cancel') }));
        } catch (error) {
          return fail(`cannot cancel its update in progress: ${errorLine(error)}`);
        }
        return { outcome: 'restored', detail: `cancelled the update in progress of ${name}: it rolls back to the template before it (the known good's is ${to.templateHash.slice(0, 12)})`, expectations };
      }
      // A rollback that failed is continued (ContinueUpdateRollback takes only UPDATE_ROLLBACK_FAILED).
      if (status === 'UPDATE_ROLLBACK_FAILED') {
        if (simulate) return { outcome: 'would_restore', detail: `would continue the failed rollback of ${name}` };
        try {
          await client.send(new sdk.ContinueUpdateRollbackCommand({ StackName: config.stackName, ClientRequestToken: token('continue'), ...(config.serviceRoleArn ? { RoleARN: config.serviceRoleArn } : {}) }));
        } catch (error) {
          return fail(`cannot continue its failed rollback: ${errorLine(error)}`);
        }
        return { outcome: 'restored', detail: `continued the failed rollback of ${name} (the known good's template is ${to.templateHash.slice(0, 12)})`, expectations };
      }
      if (status.endsWith('_IN_PROGRESS')) return fail(`it is ${status}: CloudFormation takes no change set until it settles`);
      if (isDeadEnd(status)) return fail(`it is ${status} and cannot be updated${stack.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}`);

      if (existing && existing.executionStatus !== 'AVAILABLE' && existing.executionStatus !== 'UNAVAILABLE') {
        return { outcome: 'restored', detail: `change set ${changeSet} of ${name} was executed (${existing.executionStatus}): back to template ${to.templateHash.slice(0, 12)}`, expectations };
      }
      let current: string;
      let template: string;
      try {
        current = await readTemplate(config);
        if (templateHash(current) === to.templateHash && sameParameters(to.parameters, recordedParameters(stack.Parameters ?? []))) {
          return { outcome: 'unchanged', detail: `${name} is already on template ${to.templateHash.slice(0, 12)} with the known good's parameters`, expectations };
        }
        template = await readKeptTemplate(to);
      } catch (error) {
        return fail(`cannot read the templates: ${errorLine(error)}`);
      }
      const templateSource = templateSourceOf(config, to, template, bucketName(), homeRegion());
      if ('problem' in templateSource) return fail(templateSource.problem);

      if (!existing) {
        try {
          await client.send(
            new sdk.CreateChangeSetCommand({
              StackName: config.stackName,
              ChangeSetName: changeSet,
              ChangeSetType: 'UPDATE',
              ...templateSource.source,
              Parameters: changeSetParameters(to.parameters),
              Capabilities: [...new Set([...to.capabilities, ...(stack.Capabilities ?? [])])].sort(),
              ...(config.serviceRoleArn ? { RoleARN: config.serviceRoleArn } : {}),
              Description: `rollback-controller run ${runId}: back to ${toVersion} (${toDeploymentId})`.slice(0, 1_024),
              ClientToken: changeSet,
            }),
          );
        } catch (error) {
          return fail(`cannot create change set ${changeSet}: ${errorLine(error)}`);
        }
      }
      // Best effort: a change set left behind executes nothing, and a person can see and delete it.
      const deleteChangeSet = async () => {
        try {
          await client.send(new sdk.DeleteChangeSetCommand({ StackName: config.stackName, ChangeSetName: changeSet }));
        } catch {
          // Nothing more to do: the restore's own result stands.
        }
      };
      let review: Awaited<ReturnType<typeof settledChangeSet>>;
      try {
        review = await settledChangeSet(config, changeSet);
      } catch (error) {
        return fail(`cannot read change set ${changeSet}: ${errorLine(error)}`);
      }
      if (review.status === 'FAILED' && /didn't contain changes|No updates are to be performed/i.test(review.statusReason ?? '')) {
        await deleteChangeSet();
        return { outcome: 'unchanged', detail: `${name}: the known good's template and parameters change nothing`, expectations };
      }
      if (review.status !== 'CREATE_COMPLETE') {
        await deleteChangeSet();
        return fail(review.status === 'TIMED_OUT' ? `change set ${changeSet} not computed within ${config.changeSetTimeoutSeconds} s` : `change set ${changeSet} ${review.status ?? '?'}: ${review.statusReason ?? 'no reason given'}`);
      }
      const unsafe = statefulChanges(review.changes, current, config.statefulTypes);
      if (unsafe.length > 0) {
        if (simulate) {
          await deleteChangeSet();
          return fail(`a real restore would stop here: change set ${changeSet} would ${unsafe.join('; ')} (deleted; nothing executed)`);
        }
        return fail(`refused: change set ${changeSet} would ${unsafe.join('; ')} — kept for review, never executed; a person decides`, { needsPerson: true });
      }
      if (simulate) {
        await deleteChangeSet();
        return { outcome: 'would_restore', detail: `would update ${name} to template ${to.templateHash.slice(0, 12)}: ${describeChanges(review.changes)} (change set reviewed and deleted)` };
      }
      try {
        await client.send(new sdk.ExecuteChangeSetCommand({ StackName: config.stackName, ChangeSetName: changeSet, ClientRequestToken: token('execute') }));
      } catch (error) {
        return fail(`cannot execute change set ${changeSet}: ${errorLine(error)}`);
      }
      return { outcome: 'restored', detail: `updating ${name} to template ${to.templateHash.slice(0, 12)}: ${describeChanges(review.changes)}`, expectations };
    },

    async check(config, expectation) {
      try {
        const [stack, template] = await Promise.all([readStack(config), readTemplate(config)]);
        return judgeStack(expectation, { status: stack.StackStatus, statusReason: stack.StackStatusReason, templateHash: templateHash(template) });
      } catch (error) {
        return judgeStack(expectation, { error: `cannot read ${describeStack(config)}: ${errorLine(error)}` });
      }
    },

    /** The template (kept in the artifact bucket, once per content) and parameters the stack runs now. */
    async capture(config, hints) {
      const [stack, template] = await Promise.all([readStack(config), readTemplate(config)]);
      const hash = templateHash(template);
      const templateKey = templateKeyOf(config.stackName, hash);
      if (!hints.readOnly) {
        const { PutObjectCommand } = await s3Sdk();
        await (await s3()).send(new PutObjectCommand({ Bucket: requireBucket(), Key: templateKey, Body: template, ContentType: 'text/plain; charset=utf-8', ServerSideEncryption: 'AES256' }));
      }
      const capabilities = (stack.Capabilities ?? []).filter((capability): capability is CloudFormationStackPoint['capabilities'][number] => ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'].includes(capability));
      return { templateHash: hash, templateKey, parameters: recordedParameters(stack.Parameters ?? []), capabilities };
    },

    /** The known good's template is still kept (and matches its hash), and the stack can take a change set. */
    async readiness(config, point) {
      try {
        const { HeadObjectCommand } = await s3Sdk();
        await (await s3()).send(new HeadObjectCommand({ Bucket: requireBucket(), Key: point.templateKey }));
        const stack = await readStack(config);
        const status = stack.StackStatus ?? 'unknown';
        // A failed rollback the restore continues first is no obstacle.
        if (isDeadEnd(status) && status !== 'UPDATE_ROLLBACK_FAILED') return { ready: false, detail: `${describeStack(config)} is ${status}: it cannot be updated` };
        return { ready: true, detail: `template ${point.templateHash.slice(0, 12)} is kept; ${describeStack(config)} is ${status}` };
      } catch (error) {
        return { ready: false, detail: `cannot read the known good's template or ${describeStack(config)}: ${errorLine(error)}` };
      }
    },
  };
}

/**
 * How the change set gets the template: in the request up to CloudFormation's 51,200 bytes; larger,
 * by its URL in the artifact bucket, which CloudFormation reads only for a stack in the bucket's own
 * region and account. Pure.
 */
export function templateSourceOf(config: CloudFormationStackConfig, point: CloudFormationStackPoint, template: string, bucket: string | undefined, homeRegion: string | undefined): { source: { TemplateBody: string } | { TemplateURL: string } } | { problem: string } {
  if (Buffer.byteLength(template, 'utf8') <= TEMPLATE_BODY_LIMIT_BYTES) return { source: { TemplateBody: template } };
  const region = config.region ?? homeRegion;
  if (!bucket || !region || config.roleArn || (config.region && config.region !== homeRegion)) {
    return { problem: `the known good's template is ${Buffer.byteLength(template, 'utf8')} bytes, over CloudFormation's ${TEMPLATE_BODY_LIMIT_BYTES} for a request, and the stack is not in the artifact bucket's account and region for a TemplateURL` };
  }
  return { source: { TemplateURL: `https://${bucket}.s3.${region}.amazonaws.com/${point.templateKey}` } };
}
