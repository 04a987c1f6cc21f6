// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import type { ErrorRatePolicy } from '../../validation/evidence/error-rate-test';
import type { Evidence } from '../../validation/evidence/evidence';
import { judgeTraffic } from '../../validation/evidence/traffic-judge';
import { targetLocationSchema, type TargetObservation } from '../target-plugin';

/** Lambda function names as AWS accepts them (name only, not an ARN: IAM ARNs are built from it). */
const functionName = z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, 'must be a Lambda function name (letters, digits, - and _, at most 64)');

export const lambdaAliasConfigSchema = z.strictObject({
  type: z.literal('lambda-alias'),
  /** The alias that serves traffic. */
  alias: z.string().regex(/^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/, 'must be a Lambda alias name (not a number)'),
  /** The functions behind it, all moved back together. */
  functions: z
    .array(functionName)
    .min(1, 'needs at least one function')
    .refine((names) => new Set(names).size === names.length, 'lists a function twice (each is moved once, and a restore point holds one version per function)'),
  ...targetLocationSchema,
});
export type LambdaAliasConfig = z.output<typeof lambdaAliasConfigSchema>;

/** Function name → the published version the deployment put behind the alias. */
export const lambdaAliasPointSchema = z.object({ versions: z.record(z.string(), z.string().regex(/^\d+$/, 'must be a published version number')) });
export type LambdaAliasPoint = z.output<typeof lambdaAliasPointSchema>;

/**
 * The alias must point at exactly these versions, with no weighted routing left; and, where known,
 * the versions it replaced must serve nothing after the restore, the restored ones at their own error
 * rate from before `baselineUntil` (when the bad deployment started).
 */
export const lambdaAliasExpectationSchema = z.object({
  target: z.literal('lambda-alias'),
  alias: z.string().min(1),
  versions: z.record(z.string(), z.string()),
  replaced: z.record(z.string(), z.string()).optional(),
  baselineUntil: z.string().optional(),
});
export type LambdaAliasExpectation = z.output<typeof lambdaAliasExpectationSchema>;

/** What an alias reads as now (from AWS, or the sandbox). */
export interface AliasReading {
  functionName: string;
  version?: string;
  weightedVersions: string[];
  error?: string;
}

/** Functions the known good recorded no version for: restoring would leave them on the bad one. Pure. */
export function functionsWithoutVersion(config: LambdaAliasConfig, to: LambdaAliasPoint): string[] {
  return config.functions.filter((name) => !to.versions[name]);
}

/** A point must name a version for every function behind the alias, and no function it does not serve. Pure. */
export function aliasPointProblems(config: LambdaAliasConfig, point: LambdaAliasPoint): string[] {
  const missing = functionsWithoutVersion(config, point);
  const unknown = Object.keys(point.versions).filter((name) => !config.functions.includes(name));
  return [
    ...(missing.length > 0 ? [`no version for ${missing.join(', ')} (alias ${config.alias} serves ${config.functions.join(', ')})`] : []),
    ...(unknown.length > 0 ? [`names ${unknown.join(', ')}, which alias ${config.alias} does not serve (it serves ${config.functions.join(', ')})`] : []),
  ];
}

/** "api=41, worker=16". Pure. */
export function describeVersions(point: LambdaAliasPoint): string {
  return Object.entries(point.versions)
    .map(([name, version]) => `${name}=${version}`)
    .join(', ');
}

/** What the validator must see after the alias moved from `from` to `to`. Pure. */
export function aliasExpectation(config: LambdaAliasConfig, to: LambdaAliasPoint, from?: LambdaAliasPoint, fromStartedAt?: string): LambdaAliasExpectation {
  // Only versions that changed are "replaced": a function already on its known good has nothing to stop serving.
  const replaced = Object.fromEntries(config.functions.flatMap((name) => (from?.versions[name] && from.versions[name] !== to.versions[name] ? [[name, from.versions[name]!]] : [])));
  return {
    target: 'lambda-alias',
    alias: config.alias,
    versions: Object.fromEntries(config.functions.map((name) => [name, to.versions[name]!])),
    ...(Object.keys(replaced).length > 0 ? { replaced } : {}),
    ...(fromStartedAt ? { baselineUntil: fromStartedAt } : {}),
  };
}

/** One function's traffic read for the verdict: invocations after the restore by version, errors of the restored one, and its baseline. */
export interface FunctionTraffic {
  functionName: string;
  badInvocations: number;
  goodInvocations: number;
  goodErrors: number;
  periods: number;
  baseline: { invocations: number; errors: number };
}

/** Each function's traffic as evidence: the version it replaced serving nothing, the restored one at its own error rate. Pure. */
export function trafficEvidence(readings: readonly FunctionTraffic[], policy: ErrorRatePolicy): Evidence[] {
  return readings.map((reading) =>
    judgeTraffic(
      {
        function: reading.functionName,
        afterRestore: { badInvocations: reading.badInvocations, goodInvocations: reading.goodInvocations, goodErrors: reading.goodErrors, periods: reading.periods },
        baseline: reading.baseline,
      },
      policy,
    ),
  );
}

/** "api 42->41, worker 17->16": the moves a restore makes. Pure. */
export function describeMoves(config: LambdaAliasConfig, to: LambdaAliasPoint, current: (functionName: string) => string | undefined): string {
  return config.functions.map((name) => `${name} ${current(name) ?? '?'}->${to.versions[name]}`).join(', ');
}

/** Whether the aliases read as the expectation says: on the version, no weights left. An alias that could not be read is no evidence either way. Pure. */
export function judgeAliases(expectation: LambdaAliasExpectation, readings: readonly AliasReading[]): TargetObservation {
  const problems = readings.flatMap((alias) => {
    const expected = expectation.versions[alias.functionName];
    if (alias.error) return [{ unread: true, text: `${alias.functionName}: ${alias.error}` }];
    if (alias.version !== expected) return [{ unread: false, text: `${alias.functionName}:${expectation.alias} is ${alias.version}, expected ${expected}` }];
    if (alias.weightedVersions.length > 0) return [{ unread: false, text: `${alias.functionName}:${expectation.alias} still shifts traffic to ${alias.weightedVersions.join(', ')}` }];
    return [];
  });
  if (problems.length === 0) return { passed: true, detail: `${readings.length} alias(es) on the expected version` };
  return { passed: false, detail: problems.map((problem) => problem.text).join(', '), ...(problems.every((problem) => problem.unread) ? { inconclusive: true } : {}) };
}
