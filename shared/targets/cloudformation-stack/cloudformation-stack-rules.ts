// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { createHash } from 'node:crypto';
import { iamLiteral, targetLocationSchema, type TargetObservation } from '../target-plugin';

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN');

export const cloudFormationStackConfigSchema = z.strictObject({
  type: z.literal('cloudformation-stack'),
  stackName: iamLiteral(z.string().regex(/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/, 'must be a CloudFormation stack name (a letter, then letters, digits and -, at most 128)')),
  /** The stack's own service role: the change set runs as it (the controller may pass it, and only it). */
  serviceRoleArn: roleArn.optional(),
  /** How long a change set may take to be computed before the restore gives up (seconds, 10–600). */
  changeSetTimeoutSeconds: z.number().int().min(10).max(600).default(120),
  /** More resource types that hold data, on top of the built-in list (AWS::DynamoDB::Table, …). */
  statefulTypes: z.array(z.string().regex(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/, 'must be a resource type such as AWS::DynamoDB::Table')).optional(),
  ...targetLocationSchema,
});
export type CloudFormationStackConfig = z.output<typeof cloudFormationStackConfigSchema>;

const parameterSchema = z.union([
  z.strictObject({ key: z.string().min(1), value: z.string() }),
  /** A NoEcho parameter reads back as ****: the restore keeps the value the stack holds. */
  z.strictObject({ key: z.string().min(1), usePrevious: z.literal(true) }),
]);

/** The stack as a deployment left it: its template (in the artifact bucket, by hash) and parameters. */
export const cloudFormationStackPointSchema = z.object({
  templateHash: z.string().regex(/^[a-f0-9]{64}$/, 'must be a SHA-256 hash (64 hex digits)'),
  /** The template's object in the controller's artifact bucket. */
  templateKey: z.string().min(1).max(1_024),
  parameters: z.array(parameterSchema).default([]),
  capabilities: z.array(z.enum(['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'])).default([]),
});
export type CloudFormationStackPoint = z.output<typeof cloudFormationStackPointSchema>;
export type StackParameter = CloudFormationStackPoint['parameters'][number];

/** The stack must settle in a complete state on this template. */
export const cloudFormationStackExpectationSchema = z.object({ target: z.literal('cloudformation-stack'), stack: z.string().min(1), templateHash: z.string().min(1) });
export type CloudFormationStackExpectation = z.output<typeof cloudFormationStackExpectationSchema>;

/** A template's identity: SHA-256 of its body exactly as CloudFormation returns it. Pure. */
export function templateHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** Where a template is kept in the artifact bucket: by stack and content, so one template is stored once. Pure. */
export function templateKeyOf(stackName: string, hash: string): string {
  return `cloudformation-stack/${stackName}/${hash}.template`;
}

export function describeStack(config: CloudFormationStackConfig): string {
  return `stack ${config.stackName}`;
}

/** CloudFormation's TemplateBody limit: a larger template goes by TemplateURL. */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;

/** A state no update can leave (a failed operation, a creation rolled back, a deletion): the stack cannot take a change set. Pure. */
export function isDeadEnd(status: string): boolean {
  return status.endsWith('_FAILED') || status === 'ROLLBACK_COMPLETE' || status.startsWith('DELETE_');
}

/** Stack states in which the stack stands still on a template. */
export const SETTLED_STATES: ReadonlySet<string> = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/**
 * Resource types that hold data: a change set replacing or removing one loses it. Queues count
 * whatever they hold now (a change set cannot say whether a queue is empty when it executes).
 */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::S3Express::DirectoryBucket',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::Neptune::DBCluster',
  'AWS::Neptune::DBInstance',
  'AWS::DocDB::DBCluster',
  'AWS::DocDB::DBInstance',
  'AWS::Redshift::Cluster',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElastiCache::CacheCluster',
  'AWS::MemoryDB::Cluster',
  'AWS::EFS::FileSystem',
  'AWS::FSx::FileSystem',
  'AWS::EC2::Volume',
  'AWS::SQS::Queue',
  'AWS::Kinesis::Stream',
  'AWS::OpenSearchService::Domain',
  'AWS::Elasticsearch::Domain',
  'AWS::Backup::BackupVault',
  'AWS::Cognito::UserPool',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::Timestream::Table',
  'AWS::Cassandra::Table',
  'AWS::MSK::Cluster',
]);

/** One resource change as DescribeChangeSet reports it. */
export interface ResourceChangeReading {
  action?: string;
  logicalResourceId?: string;
  physicalResourceId?: string;
  resourceType?: string;
  replacement?: string;
  policyAction?: string;
}

/** What the stack's current template says about a resource, when it reads as JSON. */
interface TemplateResource {
  Type?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties?: Record<string, unknown>;
}

/** The current template's resources, or undefined when it does not read as JSON (YAML): then every doubt counts. Pure. */
export function templateResources(body: string | undefined): Record<string, TemplateResource> | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed = JSON.parse(body) as { Resources?: Record<string, TemplateResource> };
    return parsed.Resources ?? {};
  } catch {
    return undefined;
  }
}

const RETAINING_POLICIES = new Set(['Retain', 'RetainExceptOnCreate', 'Snapshot']);
const RETAINING_POLICY_ACTIONS = new Set(['Retain', 'ReplaceAndRetain', 'Snapshot', 'ReplaceAndSnapshot']);

/**
 * The changes that would lose data: a `Remove`, or a `Modify` that replaces (or may replace) the
 * resource, of a stateful resource — a type that holds data, a log group that keeps its logs for a
 * retention period, or any resource whose template (or the change set's policy action) retains it.
 * Each says why. Pure.
 */
export function statefulChanges(changes: readonly ResourceChangeReading[], currentTemplate: string | undefined, extraTypes: readonly string[] = []): string[] {
  const resources = templateResources(currentTemplate);
  const found: string[] = [];
  for (const change of changes) {
    // A Modify that does not say whether it replaces (CloudFormation always says; an emulator may not) counts as one that may.
    const replaces = change.action === 'Modify' && (change.replacement === 'True' || change.replacement === 'Conditional' || change.replacement === undefined);
    if (change.action !== 'Remove' && !replaces) continue;
    const type = change.resourceType ?? '?';
    const inTemplate = resources?.[change.logicalResourceId ?? ''];
    const why: string[] = [];
    if (STATEFUL_TYPES.has(type) || extraTypes.includes(type)) why.push(type === 'AWS::SQS::Queue' ? 'a queue may hold messages' : 'it holds data');
    if (type === 'AWS::Logs::LogGroup' && (resources === undefined || inTemplate?.Properties?.RetentionInDays !== undefined)) why.push(resources === undefined ? 'a log group (the template does not read as JSON to tell its retention)' : 'a log group with retention');
    if (RETAINING_POLICIES.has(inTemplate?.DeletionPolicy ?? '') || RETAINING_POLICIES.has(inTemplate?.UpdateReplacePolicy ?? '')) why.push('its template retains it');
    if (RETAINING_POLICY_ACTIONS.has(change.policyAction ?? '')) why.push(`policy action ${change.policyAction}`);
    if (why.length === 0) continue;
    const verb = change.action === 'Remove' ? 'Remove' : `Replace${change.replacement === 'Conditional' ? ' (conditional)' : change.replacement === undefined ? ' (replacement not reported)' : ''}`;
    found.push(`${verb} ${change.logicalResourceId ?? '?'} (${type}${change.physicalResourceId ? ` ${change.physicalResourceId}` : ''}): ${why.join(', ')}`);
  }
  return found;
}

/** "Modify Api (AWS::Lambda::Function), Add Topic (AWS::SNS::Topic) and 3 more": a change set in one line, bounded. Pure. */
export function describeChanges(changes: readonly ResourceChangeReading[], named = 10): string {
  if (changes.length === 0) return 'no resource changes';
  const listed = changes.slice(0, named).map((change) => `${change.action ?? '?'} ${change.logicalResourceId ?? '?'} (${change.resourceType ?? '?'}${change.replacement === 'True' ? ', replaced' : ''})`);
  return `${listed.join(', ')}${changes.length > named ? ` and ${changes.length - named} more` : ''}`;
}

/** A change-set name CloudFormation takes ([a-zA-Z][-a-zA-Z0-9]*, at most 128) from the run's id. Pure. */
export function changeSetNameFor(runId: string, drill: boolean): string {
  return `${drill ? 'rollback-drill' : 'rollback'}-${runId.replace(/[^a-zA-Z0-9-]/g, '-')}`.slice(0, 128);
}

/** The stack as the validator reads it. */
export interface StackReading {
  status?: string;
  statusReason?: string;
  templateHash?: string;
  error?: string;
}

/** Settled in a complete state on the known good's template; a failed state is final. Pure. */
export function judgeStack(expectation: CloudFormationStackExpectation, reading: StackReading): TargetObservation {
  if (reading.error) return { passed: false, detail: reading.error, inconclusive: true };
  const status = reading.status ?? 'unknown';
  const short = expectation.templateHash.slice(0, 12);
  if (status.endsWith('_IN_PROGRESS')) return { passed: false, detail: `stack ${expectation.stack} is ${status}`, inconclusive: true };
  if (isDeadEnd(status)) return { passed: false, detail: `stack ${expectation.stack} is ${status}${reading.statusReason ? `: ${reading.statusReason}` : ''}`, isFinal: true };
  if (reading.templateHash !== expectation.templateHash) {
    // The update rolled back (or never ran): settled, on another template.
    return { passed: false, detail: `stack ${expectation.stack} is ${status} on template ${reading.templateHash?.slice(0, 12) ?? '?'}, not the known good's ${short}`, isFinal: status === 'UPDATE_ROLLBACK_COMPLETE' };
  }
  if (!SETTLED_STATES.has(status)) return { passed: false, detail: `stack ${expectation.stack} is ${status}`, inconclusive: true };
  return { passed: true, detail: `stack ${expectation.stack} ${status} on template ${short}` };
}

/** The parameters to send: each recorded value, or the stack's own for a NoEcho one. Pure. */
export function changeSetParameters(parameters: readonly StackParameter[]): { ParameterKey: string; ParameterValue?: string; UsePreviousValue?: boolean }[] {
  return parameters.map((parameter) => ('usePrevious' in parameter ? { ParameterKey: parameter.key, UsePreviousValue: true } : { ParameterKey: parameter.key, ParameterValue: parameter.value }));
}

/** Whether the recorded parameters are what the stack holds (NoEcho ones cannot be compared, and count as the same). Pure. */
export function sameParameters(recorded: readonly StackParameter[], live: readonly StackParameter[]): boolean {
  if (recorded.length !== live.length) return false;
  const byKey = new Map(live.map((parameter) => [parameter.key, parameter]));
  return recorded.every((parameter) => {
    const other = byKey.get(parameter.key);
    if (!other) return false;
    if ('usePrevious' in parameter || 'usePrevious' in other) return true;
    return parameter.value === other.value;
  });
}

/** Parameters as DescribeStacks reports them: a NoEcho one (****) is kept as the stack's own. Pure. */
export function recordedParameters(parameters: readonly { ParameterKey?: string; ParameterValue?: string }[]): StackParameter[] {
  return parameters
    .filter((parameter) => parameter.ParameterKey)
    .map((parameter) => (parameter.ParameterValue === '****' ? { key: parameter.ParameterKey!, usePrevious: true as const } : { key: parameter.ParameterKey!, value: parameter.ParameterValue ?? '' }))
    .sort((left, right) => left.key.localeCompare(right.key));
}
