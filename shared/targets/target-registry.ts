import type { DeploymentRecord } from '../history/deployment-record';
import { appConfigTarget } from './appconfig';
import { cloudFormationStackTarget } from './cloudformation-stack';
import { codeDeployTarget } from './codedeploy';
import { codePipelineStageTarget } from './codepipeline-stage';
import { ecsServiceTarget } from './ecs-service';
import { hookTarget } from './hook';
import { lambdaAliasTarget } from './lambda-alias';
import { route53WeightedTarget } from './route53-weighted';
import { s3CloudFrontTarget } from './s3-cloudfront';
import type { AnyTargetPlugin } from './target-plugin';

/**
 * Every target the controller can roll back. Adding a target is its folder and one line here:
 * config, restore, validation, recording, CLI, sandbox and IAM all iterate this list.
 */
export const TARGET_PLUGINS: readonly AnyTargetPlugin[] = [
  lambdaAliasTarget,
  codePipelineStageTarget,
  s3CloudFrontTarget,
  route53WeightedTarget,
  codeDeployTarget,
  ecsServiceTarget,
  cloudFormationStackTarget,
  appConfigTarget,
  hookTarget,
];

export const TARGET_TYPES: readonly string[] = TARGET_PLUGINS.map((plugin) => plugin.type);

/** A target type the registry does not know (a record or request from a newer or older controller). */
export class UnknownTargetError extends Error {
  constructor(readonly targetType: string) {
    super(`unknown target type "${targetType}": this controller knows ${TARGET_TYPES.join(', ')}`);
    this.name = 'UnknownTargetError';
  }
}

export function targetPlugin(type: string): AnyTargetPlugin {
  const plugin = TARGET_PLUGINS.find((candidate) => candidate.type === type);
  if (!plugin) throw new UnknownTargetError(type);
  return plugin;
}

/**
 * The restore point a deployment recorded for a target: absent when it recorded none, an error
 * message when what it recorded does not read as this target's restore point. Pure.
 */
export function restorePointOf(record: DeploymentRecord, plugin: AnyTargetPlugin): { point?: unknown; problem?: string } {
  if (plugin.recordsNothing) return { point: {} };
  const raw = record.restorePoints?.[plugin.type];
  if (raw === undefined) return {};
  const parsed = plugin.restorePointSchema.safeParse(raw);
  return parsed.success ? { point: parsed.data } : { problem: `${record.deploymentId} recorded an unreadable ${plugin.title} restore point` };
}

/** How far a deployment's restore points cover an environment's configured targets. */
export interface RestorePointCoverage {
  /** Configured target types it recorded no restore point for. */
  missing: string[];
  /** Points it recorded that do not address the configured resource, or do not read: "lambda-alias: no version for …". */
  problems: string[];
}

/**
 * Whether a deployment can be restored as a whole: a readable restore point for every configured
 * target, each addressing the configured resource (checked by its plugin, against what the target
 * serves now when `live` is given). Pure.
 */
export function restorePointCoverage(targets: readonly { type: string }[], record: DeploymentRecord, live?: DeploymentRecord): RestorePointCoverage {
  const coverage: RestorePointCoverage = { missing: [], problems: [] };
  for (const config of targets) {
    const plugin = targetPlugin(config.type);
    const { point, problem } = restorePointOf(record, plugin);
    if (problem) coverage.problems.push(`${plugin.type}: ${problem}`);
    else if (point === undefined) coverage.missing.push(plugin.type);
    else {
      const reference = live && live.deploymentId !== record.deploymentId ? restorePointOf(live, plugin).point : undefined;
      coverage.problems.push(...plugin.pointProblems(plugin.configSchema.parse(config), point, reference).map((text: string) => `${plugin.type}: ${text}`));
    }
  }
  return coverage;
}

/** "misses s3-cloudfront; lambda-alias: no version for worker": why a deployment is not restorable as a whole, or undefined. Pure. */
export function describeCoverageGap(coverage: RestorePointCoverage): string | undefined {
  const parts = [...(coverage.missing.length > 0 ? [`records no restore point for ${coverage.missing.join(', ')}`] : []), ...coverage.problems];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The targets that record a restore point on a deployment (a hook records nothing), as configured. Pure. */
export function recordingTargets<Config extends { type: string }>(targets: readonly Config[]): Config[] {
  return targets.filter((target) => !targetPlugin(target.type).recordsNothing);
}

/** Orders an environment's targets: traffic targets first, otherwise as configured. Pure. */
export function inRestoreOrder<Config extends { type: string }>(targets: readonly Config[]): Config[] {
  return [...targets].sort((left, right) => Number(targetPlugin(right.type).movesTraffic) - Number(targetPlugin(left.type).movesTraffic));
}
