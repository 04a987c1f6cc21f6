// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import type { RestoreOutcome } from '../history/run-journal';
import type { SandboxSlot } from '../sandbox/sandbox-world';
import type { ClientFactory } from './client-factory';
import type { ErrorRatePolicy } from '../validation/evidence/error-rate-test';
import type { Evidence } from '../validation/evidence/evidence';

/**
 * A rollback target is a plugin: one folder under shared/targets/<type>/ owns its whole slice — its
 * config section, the restore point a deployment records, restore and simulate, what the validator
 * must observe afterwards, the IAM it needs, how its restore point is captured, and its sandbox twin.
 * The runner, validator, recorder, CLI and infra iterate over registered plugins and never name one.
 *
 * A plugin module imports no AWS SDK at its top (each loads its client on first use, off the cold
 * start) and no CDK (IAM statements are plain data the CDK app turns into policy statements).
 */

/**
 * Why a configured name cannot go into an IAM resource or condition as written, or undefined: IAM reads
 * `*` and `?` as wildcards and `${…}` as a policy variable, so a key `*` would grant every object and
 * `${aws:username}` a different one per caller. Control characters are never part of a name. Pure.
 */
export function iamLiteralProblem(text: string): string | undefined {
  if (/[*?]/.test(text)) return 'must not contain * or ? (IAM reads them as wildcards in the grant)';
  if (text.includes('${')) return 'must not contain ${ (IAM reads ${…} as a policy variable in the grant)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return 'must not contain control characters';
  return undefined;
}

/** A string that reaches an IAM grant literally: see `iamLiteralProblem`. */
export function iamLiteral<Schema extends z.ZodString>(schema: Schema) {
  return schema.superRefine((text, context) => {
    const problem = iamLiteralProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
}

/** Where a target's resources live when not in the controller's own region and account. */
export const targetLocationSchema = {
  /** Its resources are in this region (default: the controller's). */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
    .optional(),
  /** Its resources are in another account: the controller assumes this role to reach them. */
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN: arn:aws:iam::<account>:role/<name>')
    .optional(),
};

export interface TargetLocation {
  region?: string;
  roleArn?: string;
}

/** Where something (an environment, a target) is read: its region and role, or undefined for the controller's own place. Pure. */
export function locationOf(place: TargetLocation): TargetLocation | undefined {
  if (!place.region && !place.roleArn) return undefined;
  return { ...(place.region ? { region: place.region } : {}), ...(place.roleArn ? { roleArn: place.roleArn } : {}) };
}

export interface TargetConfigBase extends TargetLocation {
  type: string;
}

/** An IAM statement as plain data (the CDK app turns it into a PolicyStatement). */
export interface IamStatement {
  actions: string[];
  resources: string[];
  conditions?: Record<string, Record<string, string | string[]>>;
  /** Why the resource is "*", when it must be (the AWS API allows no narrower one): cdk-nag is told this. */
  wildcardReason?: string;
  /**
   * Its condition names only what its own resource can hold (a Route 53 record name lies in one
   * zone's domain), so statements on several resources may unite resources and that condition's values.
   */
  unitesAcrossResources?: true;
}

/** Builds an ARN in the target's partition, region and account (the stack's, unless the target names a region). */
export type ArnBuilder = (service: string, resource: string, options?: { region?: string; account?: string }) => string;

/**
 * What each controller function needs for a target: restore (orchestrator), read-only checks
 * (validator), capture (recorder), and readiness (the orchestrator's reconciler: can the known good be
 * restored now, and does the target serve what the head keeps as live).
 */
export interface TargetIam {
  restore: IamStatement[];
  check: IamStatement[];
  capture: IamStatement[];
  readiness: IamStatement[];
}

/** What a restore is asked to do, for one target in one environment. */
export interface TargetRestoreRequest<Config, Point> {
  environment: string;
  /** The run restoring it: a stable reference for requests AWS deduplicates (a resumed run repeats it). */
  runId: string;
  config: Config;
  /** The bad deployment's restore point for this target, when it recorded one. */
  from?: Point;
  /** The known-good deployment's restore point: what to put back. */
  to: Point;
  fromVersion: string;
  /** The deployment being replaced (the bad one, or what is live). */
  fromDeploymentId: string;
  /** When the deployment being replaced started: the known good's own record before it is its baseline. */
  fromStartedAt?: string;
  toVersion: string;
  toDeploymentId: string;
  reason: string;
  /** Drill: read what would change, change nothing. */
  simulate: boolean;
  /** An earlier attempt of this run may have restored before it died: check before acting again. */
  resumed: boolean;
  /** For a target restoring around the traffic targets (`restorePhases`): which call this is. */
  phase?: RestorePhase;
}

/** A call before the traffic targets, or after everything. */
export type RestorePhase = 'before' | 'after';

export interface TargetRestoreResult<Expectation> {
  outcome: Exclude<RestoreOutcome, 'not_applicable'>;
  /** One line a person can act on: what changed, or why it could not. */
  detail: string;
  /** What the validator must observe for this restore to count. */
  expectations?: Expectation[];
  /**
   * A refusal only a person may get past (a change set that would replace a database, a required
   * hook that said no): the environment's restore fails, and the run escalates instead of widening.
   */
  needsPerson?: true;
}

/** One read-only observation of an expectation: passed, or why not; `isFinal` when it cannot pass any more. */
export interface TargetObservation {
  passed: boolean;
  detail: string;
  /** Hard evidence the restore did not take (a deployment that failed): the validator may conclude at once. */
  isFinal?: boolean;
  /**
   * Not passing, but no evidence the restore failed either: still converging (a deployment in
   * progress, a change not yet in sync) or unreadable. Only conclusive failures count towards the
   * validator's early "not valid".
   */
  inconclusive?: boolean;
}

/** Hints a capture may use: the pipeline execution that just deployed (the recorder's event). */
export interface CaptureHints {
  pipelineExecution?: { pipeline: string; stage: string; executionId: string };
  /** Only read what it serves (a drift check): keep nothing anywhere (no artifact written). */
  readOnly?: true;
}

/** Whether a known good can be restored now, read-only: `detail` says what is missing when it cannot. */
export interface TargetReadiness {
  ready: boolean;
  detail: string;
}

/** The plugin's live side, against AWS or against the sandbox. */
export interface TargetDriver<Config, Point, Expectation> {
  restore(request: TargetRestoreRequest<Config, Point>): Promise<TargetRestoreResult<Expectation>>;
  check(config: Config, expectation: Expectation): Promise<TargetObservation>;
  /** The restore point live now (what a later rollback to this deployment would put back). */
  capture(config: Config, hints: CaptureHints): Promise<Point>;
  /** Read-only: could a restore to `point` succeed now (the versions, task definition, release, execution still there)? */
  readiness(config: Config, point: Point): Promise<TargetReadiness>;
  /**
   * The traffic itself after a restore, where the target can read it (a Lambda alias: invocations and
   * errors by the version executed): evidence for the verdict, one item per resource.
   */
  evidence?(config: Config, expectation: Expectation, window: TrafficWindow): Promise<Evidence[]>;
}

/** When the restore was made, now, and how a restored version's error rate is tested. */
export interface TrafficWindow {
  restoredAt: Date;
  now: Date;
  errorRate: ErrorRatePolicy;
}

/** The slot of the sandbox world a twin keeps its simulated state in, for one environment. */
export interface SandboxTwinContext<Point> {
  environment: string;
  /** The scenario's scripted fault for this target type (its own `scenario.twinFault`), if any. */
  fault?: string;
  slot: SandboxSlot<Point>;
  /** What the environment's service served, for a twin that reads its own traffic (a Lambda alias). */
  traffic?: SandboxTraffic;
}

/** The sandbox's simulated traffic in one environment. */
export interface SandboxTraffic {
  /** Invocations and errors in [from, to) (none at all when the scenario has no traffic). */
  between(from: number, to: number): { invocations: number; errors: number };
  /** The known good's own record before the bad release. */
  baseline(): { invocations: number; errors: number };
}

export interface TargetPlugin<Config extends TargetConfigBase = TargetConfigBase, Point = unknown, Expectation extends { target: string } = { target: string }> {
  /** The `type` in config, the key of its restore point on a record, the `target` of its expectations. */
  readonly type: Config['type'];
  /** What it is, for people: "Lambda alias". */
  readonly title: string;
  /** Moves live traffic: restored first, and its success makes a later target's refusal a warning. */
  readonly movesTraffic: boolean;
  /**
   * Its restore point is the state the target serves (versions, weights, a release, a task definition),
   * so what it serves now compares with the kept live state; false where the point names a deployment
   * or execution that every restore replaces with a new one (no drift can be read from it).
   */
  readonly pointIsServedState: boolean;
  /** The check's name in validation results. */
  readonly checkName: string;
  /** Its config section: a strict object with `type` and the location fields; errors name the field. */
  readonly configSchema: z.ZodType<Config>;
  /** What a deployment records so it can be restored later. */
  readonly restorePointSchema: z.ZodType<Point>;
  /** What the validator must observe after a restore. */
  readonly expectationSchema: z.ZodType<Expectation>;
  /** The resources it restores, for people: "alias live of demo-shop-prod-api, demo-shop-prod-worker". */
  describeConfig(config: Config): string;
  /** A restore point, for people: "demo-shop-prod-api=41, demo-shop-prod-worker=16". */
  describeRestorePoint(point: Point): string;
  /** Two environments must not restore the same resource: its identity, compared across environments. */
  resourceKeys(config: Config): string[];
  /**
   * Why a restore point does not address the configured resource — a function the alias does not
   * serve or one it leaves out, another task-definition family or account, a weighted record that is
   * not configured: one line each, empty when it does. `live` is the point the target serves now,
   * when known, for what only compares relatively (the same task-definition family). Pure.
   */
  pointProblems(config: Config, point: Point, live?: Point): string[];
  iam(config: Config, arn: ArnBuilder): TargetIam;
  /** The AWS side: built once per container from a client factory; SDK modules load on first use. */
  aws(clients: ClientFactory): TargetDriver<Config, Point, Expectation>;
  /** The sandbox twin for local drills. */
  sandbox(context: SandboxTwinContext<Point>): TargetDriver<Config, Point, Expectation>;
  /** The restore point the demo history records for a release (its version, and its number in the demo's sequence). */
  demoRestorePoint(config: Config, release: { version: string; number: number }): Point;
  /** `rollbackctl record`: the flag that gives this target's restore point by hand. */
  readonly recordFlag?: {
    /** Commander flags, e.g. "--lambda <function=version>"; a flag may be repeated. */
    flags: string;
    description: string;
    /** Throws an Error naming what is wrong with a value. */
    parse(values: readonly string[], config: Config): Point;
  };
  /** The CodePipeline stage that deploys the environment, when this target is one (the recorder maps stage events through it). */
  deploysFromStage?(config: Config): { pipeline: string; stage: string };
  /** Local drill scenarios showing this target restore (in the last environment that has it). */
  readonly scenario?: TargetScenario | readonly TargetScenario[];
  /**
   * When it restores, where the default is by `movesTraffic` (traffic targets together, then the
   * rest): `before` the traffic targets and/or `after` everything (a hook); called once per phase,
   * the request naming it.
   */
  restorePhases?(config: Config): readonly RestorePhase[];
  /** Whether its failure `before` stops the environment's restore (a required hook). */
  blocksRestoreOnFailure?(config: Config): boolean;
  /**
   * It records nothing on a deployment (a hook acts the same for every deployment): its restore point
   * is always `{}`, present on every record, never captured.
   */
  readonly recordsNothing?: true;
  /**
   * It keeps what it captures in the controller's artifact bucket (a stack's template): the stack
   * creates the bucket, names it to the functions (ROLLBACK_ARTIFACT_BUCKET) and grants the recorder
   * writes and the orchestrator reads under `<type>/`.
   */
  readonly keepsArtifacts?: true;
}

/** A local drill scenario of one target. */
export interface TargetScenario {
  name: string;
  story: string;
  /** The sandbox twin refuses the restore, as AWS sometimes does (the run must carry on). */
  refusesRestore?: boolean;
  /** A fault the twin itself scripts (given to it as `fault`): a change set that would replace a table. */
  twinFault?: string;
}

/** A plugin's scenarios as a list. Pure. */
export function scenariosOf(plugin: { scenario?: TargetScenario | readonly TargetScenario[] }): readonly TargetScenario[] {
  if (!plugin.scenario) return [];
  return Array.isArray(plugin.scenario) ? plugin.scenario : [plugin.scenario as TargetScenario];
}

/** The environment variable naming the controller's artifact bucket to the functions and rollbackctl. */
export const ARTIFACT_BUCKET_VARIABLE = 'ROLLBACK_ARTIFACT_BUCKET';

/** Any registered plugin, its types erased for iteration. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTargetPlugin = TargetPlugin<any, any, any>;

/** Defines a plugin with its types checked, then erased for the registry. */
export function defineTarget<Config extends TargetConfigBase, Point, Expectation extends { target: string }>(
  plugin: TargetPlugin<Config, Point, Expectation>,
): TargetPlugin<Config, Point, Expectation> {
  return plugin;
}
