// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { targetLocationSchema, type TargetObservation } from '../target-plugin';

const ecsName = (what: string) => z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, `must be an ECS ${what} name (letters, digits, - and _)`);

export const ecsServiceConfigSchema = z.strictObject({
  type: z.literal('ecs-service'),
  cluster: ecsName('cluster'),
  service: ecsName('service'),
  /** Roles the task definitions name, when the account requires iam:PassRole to update the service with them. */
  passRoleArns: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN')).optional(),
  ...targetLocationSchema,
});
export type EcsServiceConfig = z.output<typeof ecsServiceConfigSchema>;

/** The task definition the service ran (family:revision, or its full ARN). */
export const ecsServicePointSchema = z.object({
  taskDefinition: z.string().regex(/^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}:\d+$/, 'must be a task definition family:revision or its ARN'),
});
export type EcsServicePoint = z.output<typeof ecsServicePointSchema>;

/** The service must be steady on this task definition: one deployment, rolled out, every task running. */
export const ecsServiceExpectationSchema = z.object({ target: z.literal('ecs-service'), service: z.string().min(1), taskDefinition: z.string().min(1) });
export type EcsServiceExpectation = z.output<typeof ecsServiceExpectationSchema>;

/** "arn:aws:ecs:…:task-definition/web:41" → "web:41": how ARNs and short names compare. Pure. */
export function familyRevision(taskDefinition: string | undefined): string | undefined {
  return taskDefinition?.split('/').pop();
}

/** The parts of a task definition reference: family, and account and region when it is an ARN. Pure. */
export function taskDefinitionParts(taskDefinition: string): { family: string; account?: string; region?: string } {
  const arn = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):task-definition\/(.+):\d+$/.exec(taskDefinition);
  if (arn) return { region: arn[1]!, account: arn[2]!, family: arn[3]! };
  return { family: taskDefinition.replace(/:\d+$/, '') };
}

/**
 * A task definition the configured service may be put back on: in the target's account and region
 * (its role's account, its region), and of the family the service runs (`reference`, what it serves
 * now, when known): a restore point naming another family or account is never deployed into it. Pure.
 */
export function taskDefinitionProblems(config: EcsServiceConfig, taskDefinition: string, reference?: string): string[] {
  const point = taskDefinitionParts(taskDefinition);
  const problems: string[] = [];
  const roleAccount = config.roleArn ? /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(config.roleArn)?.[1] : undefined;
  const known = reference ? taskDefinitionParts(reference) : undefined;
  const account = roleAccount ?? known?.account;
  if (point.account && account && point.account !== account) problems.push(`task definition ${familyRevision(taskDefinition)} is in account ${point.account}, not the service's (${account})`);
  const region = config.region ?? known?.region;
  if (point.region && region && point.region !== region) problems.push(`task definition ${familyRevision(taskDefinition)} is in ${point.region}, not the service's region (${region})`);
  if (known && point.family !== known.family) problems.push(`task definition family ${point.family} is not the family ${describeService(config)} runs (${known.family})`);
  return problems;
}

export function describeService(config: EcsServiceConfig): string {
  return `service ${config.cluster}/${config.service}`;
}

/** One of the service's deployments as DescribeServices reports it. */
export interface EcsDeploymentReading {
  status?: string;
  taskDefinition?: string;
  desiredCount?: number;
  runningCount?: number;
  rolloutState?: string;
  rolloutStateReason?: string;
}

export interface EcsServiceReading {
  deployments: EcsDeploymentReading[];
  error?: string;
}

/**
 * Steady on the task definition: the PRIMARY deployment runs it, rolled out (when ECS reports a
 * rollout state) with every desired task running, and no older deployment left. A failed rollout
 * is final: ECS gave up on it. Pure.
 */
export function judgeService(expectation: EcsServiceExpectation, reading: EcsServiceReading): TargetObservation {
  if (reading.error) return { passed: false, detail: reading.error, inconclusive: true };
  const primary = reading.deployments.find((deployment) => deployment.status === 'PRIMARY');
  const expected = familyRevision(expectation.taskDefinition);
  if (!primary) return { passed: false, detail: `${expectation.service} has no primary deployment` };
  if (familyRevision(primary.taskDefinition) !== expected) return { passed: false, detail: `${expectation.service} deploys ${familyRevision(primary.taskDefinition) ?? '?'}, expected ${expected}` };
  if (primary.rolloutState === 'FAILED') return { passed: false, detail: `the rollout of ${expected} FAILED: ${primary.rolloutStateReason ?? 'no reason given'}`, isFinal: true };
  // Rolling out, starting tasks, draining the old ones: converging, not failing.
  if (primary.rolloutState !== undefined && primary.rolloutState !== 'COMPLETED') return { passed: false, detail: `the rollout of ${expected} is ${primary.rolloutState}`, inconclusive: true };
  if (primary.runningCount !== primary.desiredCount) return { passed: false, detail: `${primary.runningCount ?? 0} of ${primary.desiredCount ?? '?'} tasks of ${expected} running`, inconclusive: true };
  const older = reading.deployments.length - 1;
  if (older > 0) return { passed: false, detail: `${older} older deployment(s) still draining`, inconclusive: true };
  return { passed: true, detail: `${expectation.service} steady on ${expected} (${primary.runningCount} task(s))` };
}
