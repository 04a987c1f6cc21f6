import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RollbackConfig } from '../shared/config';
import { headId } from '../shared/history/environment-head';
import { HISTORY_TABLE } from '../shared/history/table-schema';
import { deploymentIdFor, RECORDER_WRITES } from '../shared/recording/record-pipeline-event';
import type { ArnBuilder, IamStatement, TargetIam, TargetLocation } from '../shared/targets/target-plugin';
import { targetPlugin } from '../shared/targets/target-registry';

/** A wildcard resource a target needs, and why AWS allows nothing narrower (cdk-nag is told). */
export interface WildcardGrant {
  resource: string;
  reason: string;
}

export interface Grants {
  statements: PolicyStatement[];
  wildcards: WildcardGrant[];
}

/** ARNs in the stack's partition and account, in the target's region unless the plugin says otherwise ('' for global services). */
function arnBuilder(stack: Stack, location: TargetLocation): ArnBuilder {
  return (service, resource, options = {}) =>
    Arn.format({ partition: stack.partition, service, region: options.region ?? location.region ?? stack.region, account: options.account ?? stack.account, resource, arnFormat: ArnFormat.NO_RESOURCE_NAME });
}

/** Statements with the same actions and conditions become one, over every resource they name (each once, sorted). Pure. */
export function mergeStatements(statements: readonly IamStatement[]): IamStatement[] {
  const merged = new Map<string, IamStatement>();
  for (const statement of statements) {
    const key = JSON.stringify([[...statement.actions].sort(), statement.conditions ?? null]);
    const existing = merged.get(key);
    merged.set(key, existing ? { ...existing, resources: [...new Set([...existing.resources, ...statement.resources])] } : { ...statement, actions: [...statement.actions].sort() });
  }
  return [...merged.values()].map((statement) => ({ ...statement, resources: [...statement.resources].sort() }));
}

/**
 * The last guard before a grant is synthesized: a resource holds a wildcard only where its plugin says
 * why, and no resource or condition a policy variable (`${aws:username}` would grant per caller).
 * The config schemas refuse such names first; this keeps a new plugin from slipping one through. Pure.
 */
export function literalGrant(statement: IamStatement, owner: string): IamStatement {
  // CDK's own tokens (the partition, region and account) resolve at deploy time: they are not IAM's.
  const texts = [...statement.resources, ...JSON.stringify(statement.conditions ?? {}).split('"')].map((text) => text.replace(/\$\{Token\[[\w.-]+\]\}/g, ''));
  const variable = texts.find((text) => text.includes('${'));
  if (variable) throw new Error(`${owner}: the grant would hold an IAM policy variable (${variable}); name the resource literally`);
  const wildcard = statement.wildcardReason ? undefined : statement.resources.find((resource) => /[*?]/.test(resource));
  if (wildcard) throw new Error(`${owner}: the grant would hold a wildcard (${wildcard}) no plugin asked for; name the resource literally`);
  return statement;
}

/** Past this many resources of one kind in a statement, they are granted by their names' common pattern. */
export const COMPACT_AT = 20;
/** The shortest common name prefix a pattern may stand on: shorter would grant nearly everything of the kind. */
const MIN_PATTERN_PREFIX = 4;

/**
 * An organisation's grants within IAM's policy sizes: where a statement names more than COMPACT_AT
 * resources of one kind (one service, region, account and resource type), they become one pattern —
 * their names' common prefix, `*`, and their common suffix (`function:shop-*:live`) — when that prefix
 * is at least MIN_PATTERN_PREFIX characters; otherwise they stay named. The pattern also grants
 * resources named alike that the config does not list: the reason says so, beside it (cdk-nag). Pure.
 */
export function compactResources(statement: IamStatement): IamStatement {
  if (statement.resources.length <= COMPACT_AT) return statement;
  const groups = new Map<string, string[]>();
  for (const resource of statement.resources) {
    const { kind, name } = splitArn(resource);
    (groups.get(kind) ?? groups.set(kind, []).get(kind)!).push(name);
  }
  const resources: string[] = [];
  const patterns: string[] = [];
  for (const [kind, names] of groups) {
    const prefix = commonPrefix(names);
    const reversed = (text: string) => [...text].reverse().join('');
    const suffix = reversed(commonPrefix(names.map(reversed)));
    const fits = names.every((name) => name.length >= prefix.length + suffix.length);
    if (names.length <= COMPACT_AT || prefix.length < MIN_PATTERN_PREFIX || !fits || prefix.includes('*')) {
      resources.push(...names.map((name) => `${kind}${name}`));
      continue;
    }
    const pattern = `${kind}${prefix}*${suffix.includes('*') ? '' : suffix}`;
    resources.push(pattern);
    patterns.push(`${names.length} named ${prefix}…${suffix}`);
  }
  if (patterns.length === 0) return statement;
  const reason = `the configured resources, ${patterns.join('; ')}, granted by their common name pattern so an organisation's grants fit IAM's policy size; it also matches resources named alike that the config does not list`;
  return { ...statement, resources: [...new Set(resources)].sort(), wildcardReason: statement.wildcardReason ? `${statement.wildcardReason}; ${reason}` : reason };
}

/** "arn:p:lambda:r:a:function:" and "shop-api:live": the resource's kind (up to its type's separator) and its name. */
function splitArn(resource: string): { kind: string; name: string } {
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return { kind: '', name: resource };
  const head = `${parts.slice(0, 5).join(':')}:`;
  const rest = parts.slice(5).join(':');
  const separator = rest.search(/[:/]/);
  return separator < 0 ? { kind: head, name: rest } : { kind: `${head}${rest.slice(0, separator + 1)}`, name: rest.slice(separator + 1) };
}

function commonPrefix(values: readonly string[]): string {
  let prefix = values[0] ?? '';
  for (const value of values) while (!value.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

function toStatement(statement: IamStatement): PolicyStatement {
  return new PolicyStatement({ actions: statement.actions, resources: statement.resources, ...(statement.conditions ? { conditions: statement.conditions } : {}) });
}

/**
 * What one controller function needs for every configured target: each target's own statements
 * for its `purposes` (the orchestrator: restore and readiness), built from config. A target in another account is reached through its role, so
 * the function may only assume that role (the role's own policy in that account grants the rest).
 */
export function targetGrants(config: RollbackConfig, stack: Stack, ...purposes: (keyof TargetIam)[]): Grants {
  const statements: IamStatement[] = [];
  const roles = new Set<string>();
  for (const environment of config.environments) {
    for (const target of environment.targets) {
      if (target.roleArn) {
        roles.add(target.roleArn);
        continue;
      }
      const plugin = targetPlugin(target.type);
      const iam = plugin.iam(plugin.configSchema.parse(target), arnBuilder(stack, target));
      for (const purpose of purposes) statements.push(...iam[purpose].map((statement) => literalGrant(statement, `${environment.name}'s ${plugin.type} target`)));
    }
  }
  if (roles.size > 0) statements.push({ actions: ['sts:AssumeRole'], resources: [...roles] });
  const merged = mergeStatements(statements).map(compactResources);
  const wildcards = merged.flatMap((statement) =>
    statement.wildcardReason ? statement.resources.filter((resource) => resource.includes('*')).map((resource) => ({ resource, reason: statement.wildcardReason! })) : [],
  );
  return { statements: merged.map(toStatement), wildcards };
}

/** The history operations the functions perform — no Scan, no delete — on the table and its three indexes only. */
export function historyStatement(tableArn: string): PolicyStatement {
  return new PolicyStatement({
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    resources: [tableArn, ...[HISTORY_TABLE.byEnvironment, HISTORY_TABLE.rollbacksByEnvironment, HISTORY_TABLE.reconcileQueue].map((index) => `${tableArn}/index/${index.indexName}`)],
  });
}

/**
 * The recorder reads the history (the known good a failed deploy is compared with, a restore's
 * target) and writes only deployment records of the configured stages and the live state on their
 * environments' heads, only the attributes it records: DynamoDB evaluates `dynamodb:LeadingKeys` on the item's key and `dynamodb:Attributes` on
 * every attribute a Put or Update names, so a rollback's fields, a journal, a pause or another
 * source's record are out of its reach. (Reads stay whole: it parses full records.)
 */
export function recorderHistoryStatements(tableArn: string, stages: readonly { pipeline: string; stage: string }[], environments: readonly string[]): PolicyStatement[] {
  return [
    new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [tableArn, `${tableArn}/index/${HISTORY_TABLE.byEnvironment.indexName}`] }),
    new PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [tableArn],
      conditions: {
        // Its records, and the heads of their environments (only `live` among the head's attributes).
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...new Set([...stages.map(({ pipeline, stage }) => deploymentIdFor(pipeline, stage, '*')), ...environments.map(headId)])].sort() },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...RECORDER_WRITES] },
      },
    }),
  ];
}

/** Publishing to the KMS-encrypted results topic (and the chat topic): those topics, that key, nothing wider. */
export function publishStatements(topicArns: string[], keyArn: string): PolicyStatement[] {
  return [
    new PolicyStatement({ actions: ['sns:Publish'], resources: topicArns }),
    new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [keyArn] }),
  ];
}

/** Why the alarm reads are on "*", for cdk-nag. */
export const ALARM_READ_WILDCARD: WildcardGrant = {
  resource: '*',
  reason: 'cloudwatch:DescribeAlarms returns composite alarms only when granted on "*" (AWS constraint); it is read-only.',
};

export const METRIC_READ_WILDCARD: WildcardGrant = {
  resource: '*',
  reason: 'cloudwatch:GetMetricData has no resource-level permissions (AWS constraint); it only reads the data behind the alarms and the traffic.',
};

/** The data behind alarms and the traffic after a restore (the validator's verdicts). GetMetricData takes no resource. */
export function metricReadStatement(): PolicyStatement {
  return new PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] });
}

/** Alarm reads (the validator's checks, the orchestrator's ActionsEnabled). AWS constraint: DescribeAlarms returns composite alarms only when granted on "*". */
export function alarmReadStatement(): PolicyStatement {
  return new PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] });
}
