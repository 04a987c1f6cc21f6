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

/**
 * Statements with the same actions and conditions become one, over every resource they name (each
 * once, sorted); then statements on the same resources whose conditions differ only in one key's
 * values become one with that key's values united (Route 53: one statement per hosted zone, every
 * configured record name in it, not one per environment). Pure.
 */
export function mergeStatements(statements: readonly IamStatement[]): IamStatement[] {
  const merged = new Map<string, IamStatement>();
  for (const statement of statements) {
    const key = JSON.stringify([[...statement.actions].sort(), statement.conditions ?? null]);
    const existing = merged.get(key);
    merged.set(key, existing ? { ...existing, resources: [...new Set([...existing.resources, ...statement.resources])] } : { ...statement, actions: [...statement.actions].sort() });
  }
  return mergeConditionValues([...merged.values()].map((statement) => ({ ...statement, resources: [...statement.resources].sort() })));
}

/**
 * Statements on exactly the same resources under exactly the same conditions become one with their
 * actions united (what compaction made alike — a target's restore and its readiness reads on
 * `function:shop-*` — is granted once): the same permissions, in fewer characters. Pure.
 */
export function uniteActions(statements: readonly IamStatement[]): IamStatement[] {
  const united = new Map<string, IamStatement>();
  for (const statement of statements) {
    const key = JSON.stringify([[...statement.resources].sort(), statement.conditions ?? null]);
    const existing = united.get(key);
    if (!existing) {
      united.set(key, statement);
      continue;
    }
    const reasons = [...new Set([existing.wildcardReason, statement.wildcardReason].filter((reason) => reason !== undefined))];
    united.set(key, { ...existing, actions: [...new Set([...existing.actions, ...statement.actions])].sort(), ...(reasons.length > 0 ? { wildcardReason: reasons.join(' ') } : {}) });
  }
  return [...united.values()];
}

type Conditions = NonNullable<IamStatement['conditions']>;

/** Each (operator, key) of a statement's conditions with its values as a list. */
function conditionEntries(conditions: Conditions): { operator: string; key: string; values: string[] }[] {
  return Object.entries(conditions).flatMap(([operator, keys]) =>
    Object.entries(keys as Record<string, string | string[]>).map(([key, value]) => ({ operator, key, values: Array.isArray(value) ? value : [value] })),
  );
}

/**
 * Statements alike but for one condition key's values become one, the values united: a request each
 * statement allowed alone is still allowed, and nothing else (the other keys hold as they were).
 * A merged statement's old signatures are forgotten, so no merge ever multiplies two keys. Pure.
 */
function mergeConditionValues(statements: readonly IamStatement[]): IamStatement[] {
  const result: IamStatement[] = [];
  const bySignature = new Map<string, number>();
  const signaturesOf = new Map<number, string[]>();
  const signatures = (statement: IamStatement): string[] => {
    const entries = statement.conditions ? conditionEntries(statement.conditions) : [];
    const resources = statement.unitesAcrossResources ? null : statement.resources;
    return entries.map((_, varying) =>
      JSON.stringify([varying, statement.actions, resources, statement.wildcardReason ?? null, entries.map((entry, index) => (index === varying ? [entry.operator, entry.key] : entry))]),
    );
  };
  const place = (at: number, statement: IamStatement) => {
    for (const old of signaturesOf.get(at) ?? []) bySignature.delete(old);
    result[at] = statement;
    const own = signatures(statement);
    signaturesOf.set(at, own);
    for (const signature of own) bySignature.set(signature, at);
  };
  for (const statement of statements) {
    const own = signatures(statement);
    const match = own.findIndex((signature) => bySignature.has(signature));
    if (match < 0) {
      place(result.length, statement);
      continue;
    }
    const at = bySignature.get(own[match]!)!;
    const existing = result[at]!;
    const { operator, key, values } = conditionEntries(statement.conditions!)[match]!;
    const united = [...new Set([...conditionEntries(existing.conditions!)[match]!.values, ...values])].sort();
    const resources = [...new Set([...existing.resources, ...statement.resources])].sort();
    place(at, { ...existing, resources, conditions: { ...existing.conditions!, [operator]: { ...existing.conditions![operator], [key]: united } } });
  }
  return result;
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
    const pattern = names.length > COMPACT_AT ? namePattern(names, { prefixAtLeast: MIN_PATTERN_PREFIX }) : undefined;
    if (!pattern) {
      resources.push(...names.map((name) => `${kind}${name}`));
      continue;
    }
    resources.push(`${kind}${pattern.text}`);
    patterns.push(`${names.length} named ${pattern.described}`);
  }
  if (patterns.length === 0) return statement;
  const reason = `the configured resources, ${patterns.join('; ')}, granted by their common name pattern so an organisation's grants fit IAM's policy size; it also matches resources named alike that the config does not list`;
  return { ...statement, resources: [...new Set(resources)].sort(), wildcardReason: statement.wildcardReason ? `${statement.wildcardReason}; ${reason}` : reason };
}

/**
 * Names' common prefix, `*`, and common suffix ("shop-*:live"), when the fixed part is long enough to
 * mean something; undefined when it is not (or a name already holds a wildcard the pattern would widen). Pure.
 */
function namePattern(names: readonly string[], least: { prefixAtLeast?: number; fixedAtLeast?: number }): { text: string; described: string } | undefined {
  const prefix = commonPrefix(names);
  const reversed = (text: string) => [...text].reverse().join('');
  const shared = reversed(commonPrefix(names.map(reversed)));
  const suffix = shared.includes('*') ? '' : shared;
  const fits = names.every((name) => name.length >= prefix.length + suffix.length);
  if (!fits || prefix.includes('*') || prefix.length < (least.prefixAtLeast ?? 0) || prefix.length + suffix.length < (least.fixedAtLeast ?? 0)) return undefined;
  return { text: `${prefix}*${suffix}`, described: `${prefix}…${suffix}` };
}

/** Values for a StringLike condition, each once: past COMPACT_AT, their common pattern when they have one. Pure. */
export function compactValues(values: readonly string[]): string[] {
  const unique = [...new Set(values)].sort();
  const pattern = unique.length > COMPACT_AT ? namePattern(unique, { fixedAtLeast: MIN_PATTERN_PREFIX }) : undefined;
  return pattern ? [pattern.text] : unique;
}

/**
 * A condition that lists more than COMPACT_AT values of one key (Route 53 record names, the recorder's
 * leading keys) holds their common pattern instead, under StringLike: IAM's policy size holds at 1,000
 * environments. Values with no common part of MIN_PATTERN_PREFIX characters stay listed. Pure.
 */
export function compactConditions(statement: IamStatement): IamStatement {
  if (!statement.conditions) return statement;
  const conditions: Record<string, Record<string, string | string[]>> = {};
  const patterns: string[] = [];
  for (const [operator, keys] of Object.entries(statement.conditions)) {
    for (const [key, value] of Object.entries(keys)) {
      const values = [value].flat();
      const pattern = values.length > COMPACT_AT && /StringEquals$|StringLike$/.test(operator) ? namePattern(values, { fixedAtLeast: MIN_PATTERN_PREFIX }) : undefined;
      if (!pattern) {
        (conditions[operator] ??= {})[key] = value;
        continue;
      }
      (conditions[operator.replace(/StringEquals$/, 'StringLike')] ??= {})[key] = [pattern.text];
      patterns.push(`${values.length} ${key} values ${pattern.described}`);
    }
  }
  if (patterns.length === 0) return statement;
  const reason = `the configured ${patterns.join('; ')}, allowed by their common pattern so an organisation's grants fit IAM's policy size; it also matches names alike that the config does not list`;
  return { ...statement, conditions, wildcardReason: statement.wildcardReason ? `${statement.wildcardReason}; ${reason}` : reason };
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
  const merged = uniteActions(mergeStatements(statements).map(compactResources).map(compactConditions));
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
        // Past COMPACT_AT of each, their common pattern (`shop-*`, `control#shop-*`): the policy stays within IAM's size at 1,000 environments.
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...compactValues(stages.map(({ pipeline, stage }) => deploymentIdFor(pipeline, stage, '*'))), ...compactValues(environments.map(headId))].sort() },
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
