import type { DeploymentRecord } from '../history/deployment-record';
import { codeDeployTarget } from './codedeploy';
import { codePipelineStageTarget } from './codepipeline-stage';
import { ecsServiceTarget } from './ecs-service';
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
  const raw = record.restorePoints?.[plugin.type];
  if (raw === undefined) return {};
  const parsed = plugin.restorePointSchema.safeParse(raw);
  return parsed.success ? { point: parsed.data } : { problem: `${record.deploymentId} recorded an unreadable ${plugin.title} restore point` };
}

/** Orders an environment's targets: traffic targets first, otherwise as configured. Pure. */
export function inRestoreOrder<Config extends { type: string }>(targets: readonly Config[]): Config[] {
  return [...targets].sort((left, right) => Number(targetPlugin(right.type).movesTraffic) - Number(targetPlugin(left.type).movesTraffic));
}
