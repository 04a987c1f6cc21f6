// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { targetLocationSchema, type TargetObservation } from '../target-plugin';

const PLATFORMS = ['Lambda', 'ECS'] as const;

/** What a rollback deploys with unless the config names another: all at once, since every second of a bad version counts. */
export const ALL_AT_ONCE: Record<(typeof PLATFORMS)[number], string> = { Lambda: 'CodeDeployDefault.LambdaAllAtOnce', ECS: 'CodeDeployDefault.ECSAllAtOnce' };

export const codeDeployConfigSchema = z.strictObject({
  type: z.literal('codedeploy'),
  application: z.string().regex(/^[\w.+-]{1,100}$/, 'must be a CodeDeploy application name'),
  deploymentGroup: z.string().regex(/^[\w.+-]{1,100}$/, 'must be a CodeDeploy deployment group name'),
  /** The group's compute platform: Lambda or ECS (blue/green). */
  platform: z.enum(PLATFORMS),
  /** The deployment configuration a redeploy uses (default: the platform's AllAtOnce). */
  rollbackDeploymentConfig: z.string().regex(/^[\w.+-]{1,100}$/, 'must be a CodeDeploy deployment configuration name').optional(),
  ...targetLocationSchema,
});
export type CodeDeployConfig = z.output<typeof codeDeployConfigSchema>;

/** The CodeDeploy deployment that put the version live (its revision is what a rollback deploys again). */
export const codeDeployPointSchema = z.object({ deploymentId: z.string().regex(/^d-[A-Z0-9]{9}$/, 'must be a CodeDeploy deployment id such as d-A1B2C3D4E') });
export type CodeDeployPoint = z.output<typeof codeDeployPointSchema>;

/** A deployment that must succeed: one the restore created or found, or the rollback CodeDeploy starts for a stopped one. */
export const codeDeployExpectationSchema = z.object({
  target: z.literal('codedeploy'),
  deploymentId: z.string().min(1).optional(),
  /** The in-flight deployment stopped with automatic rollback: the rollback CodeDeploy starts for it must succeed. */
  rollbackOf: z.string().min(1).optional(),
});
export type CodeDeployExpectation = z.output<typeof codeDeployExpectationSchema>;

const IN_FLIGHT: ReadonlySet<string> = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);

/** A deployment CodeDeploy is still running (stoppable). Pure. */
export function isInFlight(status: string | undefined): boolean {
  return status !== undefined && IN_FLIGHT.has(status);
}

export function deploymentConfigOf(config: CodeDeployConfig): string {
  return config.rollbackDeploymentConfig ?? ALL_AT_ONCE[config.platform];
}

/** What marks a deployment this run created: a resumed run finds it instead of deploying twice. */
export function runMarker(runId: string): string {
  return `rollback-controller run ${runId}`;
}

/** A revision as CodeDeploy describes it (the fields that identify it). */
export interface RevisionLike {
  revisionType?: string;
  appSpecContent?: { content?: string; sha256?: string };
  string?: { content?: string; sha256?: string };
  s3Location?: { bucket?: string; key?: string; version?: string; eTag?: string };
  gitHubLocation?: { repository?: string; commitId?: string };
}

/** Whether two revisions are the same content. Pure. */
export function isSameRevision(left: RevisionLike | undefined, right: RevisionLike | undefined): boolean {
  if (!left || !right || left.revisionType !== right.revisionType) return false;
  const identity = (revision: RevisionLike) => {
    const text = revision.appSpecContent ?? revision.string;
    if (text) return text.sha256 ?? text.content;
    if (revision.s3Location) return [revision.s3Location.bucket, revision.s3Location.key, revision.s3Location.version, revision.s3Location.eTag].join('|');
    if (revision.gitHubLocation) return [revision.gitHubLocation.repository, revision.gitHubLocation.commitId].join('|');
    return undefined;
  };
  const id = identity(left);
  return id !== undefined && id === identity(right);
}

export function describeGroup(config: CodeDeployConfig): string {
  return `${config.application}/${config.deploymentGroup}`;
}

/** What was read of the deployment the validator waits for. */
export interface DeploymentReading {
  deploymentId?: string;
  status?: string;
  error?: string;
}

/** Succeeded passes; Failed or Stopped is final (it will not pass); anything else is still running. Pure. */
export function judgeDeployment(expectation: CodeDeployExpectation, reading: DeploymentReading): TargetObservation {
  if (reading.error) return { passed: false, detail: reading.error, inconclusive: true };
  if (!reading.deploymentId) return { passed: false, detail: `waiting for CodeDeploy to start rolling back ${expectation.rollbackOf}`, inconclusive: true };
  if (reading.status === 'Succeeded') return { passed: true, detail: `deployment ${reading.deploymentId} Succeeded` };
  if (reading.status === 'Failed' || reading.status === 'Stopped') return { passed: false, detail: `deployment ${reading.deploymentId} is ${reading.status}`, isFinal: true };
  return { passed: false, detail: `deployment ${reading.deploymentId} is ${reading.status ?? 'unknown'}`, inconclusive: true };
}
