import { callerIdentity } from '../aws/caller-identity';
import { createHash, randomUUID } from 'node:crypto';
import { Option } from 'commander';
import { findEnvironment, type EnvironmentConfig } from '../../shared/config';
import type { DeploymentHistory } from '../../shared/history/deployment-history';
import { RECORDABLE_STATUSES, type DeploymentRecord, type RecordableStatus } from '../../shared/history/deployment-record';
import { awsClientFactory } from '../../shared/targets/client-factory';
import { awsTargetDrivers } from '../../shared/targets/target-drivers';
import { describeCoverageGap, recordingTargets, restorePointCoverage, targetPlugin, TARGET_PLUGINS } from '../../shared/targets/target-registry';
import { EXIT, isPrintable, parseChoice, parsePrintable, UsageError } from '../cli-errors';
import { resolveRequestUrl } from '../aws/request-url';
import { defaultStackName, exitCodeFor, requester, runRemotely } from './drill-command';
import type { CliContext } from '../cli-context';

export interface RecordOptions {
  env: string;
  version: string;
  status: string;
  id?: string;
  capture?: boolean;
  source: string;
  revision?: string;
  by?: string;
  json?: boolean;
  /** With --status failed: the deploy moved traffic before it failed; ask the deployed orchestrator to roll it back. */
  rollback?: boolean;
  /** Why going back past this deployment would not undo it (true: no reason given). */
  irreversible?: string | boolean;
  /** Record a succeeded deployment whose restore points miss some targets: it is history, never a known good. */
  incomplete?: boolean;
  url?: string;
  stack?: string;
  /** Each target's own flag (e.g. lambda: ["api=42"]), by commander's attribute name. */
  [targetFlag: string]: unknown;
}

/**
 * The restore points given with each target's own flag (`--lambda fn=42`, …): a flag is checked by
 * its target, against the environment's config, and a flag for a target the environment does not
 * have is refused. Pure.
 */
export function restorePointsFromFlags(options: RecordOptions, environment: EnvironmentConfig): Record<string, unknown> {
  const points: Record<string, unknown> = {};
  for (const plugin of TARGET_PLUGINS) {
    if (!plugin.recordFlag) continue;
    const option = new Option(plugin.recordFlag.flags);
    const values = options[option.attributeName()] as string[] | undefined;
    if (!values || values.length === 0) continue;
    const config = environment.targets.find((target) => target.type === plugin.type);
    if (!config) throw new UsageError(`invalid ${option.long}: ${environment.name} has no ${plugin.title} target (see the configuration)`);
    try {
      points[plugin.type] = plugin.restorePointSchema.parse(plugin.recordFlag.parse(values, plugin.configSchema.parse(config)));
    } catch (error) {
      throw new UsageError(`invalid ${option.long} ${(error as Error).message}`);
    }
  }
  return points;
}

/** What every target of the environment serves now, read from AWS (a flag given by hand wins). */
async function captureRestorePoints(environment: EnvironmentConfig, region: string | undefined): Promise<Record<string, unknown>> {
  const drivers = awsTargetDrivers(awsClientFactory({ base: region ? { region } : {} }));
  // A pipeline running in the environment's own account reads its resources with its own credentials:
  // the member role there trusts only the controller's functions.
  const inItsAccount = environment.account !== undefined && (await callerIdentity(region)).account === environment.account;
  const targets = inItsAccount ? environment.targets.map(({ roleArn: _ownCredentialsInstead, ...target }) => target) : environment.targets;
  const captured = await Promise.all(
    recordingTargets(targets).map(async (config) => {
      const plugin = targetPlugin(config.type);
      return [plugin.type, plugin.restorePointSchema.parse(await drivers.driverFor(plugin.type, environment.name).capture(plugin.configSchema.parse(config), {}))] as const;
    }),
  );
  return Object.fromEntries(captured);
}

/**
 * Without --id, the newest record of the same version in that environment is reused when it is the
 * one this call continues (in_progress) or repeats (a CI retry of the same step), so a CI job can
 * record start and finish without carrying an id, and a retried job records nothing twice.
 */
async function resolveDeploymentId(store: DeploymentHistory, options: RecordOptions, status: RecordableStatus, environment: string): Promise<string> {
  if (options.id) return options.id;
  const { items: recent } = await store.listHistory({ environment, limit: 20 });
  const sameVersion = recent.find((item) => item.kind === 'deployment' && item.version === options.version);
  if (sameVersion && (sameVersion.status === 'in_progress' || (sameVersion.status === status && sameVersion === recent[0]))) {
    return sameVersion.deploymentId;
  }
  return `${options.source}-${environment}-${randomUUID().slice(0, 8)}`;
}

/** The record flag that gives a target's restore point, for messages ("--lambda"). */
function flagOf(type: string): string {
  const flags = targetPlugin(type).recordFlag?.flags;
  return flags ? new Option(flags).long! : '--capture';
}

/**
 * A succeeded deployment is a known good only if its restore points cover every configured target,
 * each addressing the configured resource (checked by its plugin, against what is live now). A set
 * that falls short is refused (exit 2, naming the flags and the problems) unless `--incomplete` says to
 * keep it as history automation never restores to; none at all is recorded so, with a warning. A
 * failed or in-progress deployment records what it moved: any subset. Pure.
 */
export function checkRestorePoints(options: { status: RecordableStatus; incomplete?: boolean }, environment: EnvironmentConfig, restorePoints: Record<string, unknown>, live?: DeploymentRecord): { warning?: string } {
  if (options.status !== 'succeeded') return {};
  const probe: DeploymentRecord = { deploymentId: '(recording)', kind: 'deployment', environment: environment.name, version: '-', status: 'succeeded', startedAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), source: 'cli', restorePoints };
  const coverage = restorePointCoverage(environment.targets, probe, live);
  if (coverage.missing.length === 0 && coverage.problems.length === 0) return {};
  const missing = coverage.missing.map((type) => `${type} (${flagOf(type)})`);
  const consequence = `automation never rolls ${environment.name} back to it`;
  const gap = [...coverage.problems, ...(missing.length > 0 ? [`no restore point given for ${missing.join(', ')}`] : [])].join('; ');
  if (Object.keys(restorePoints).length === 0) return { warning: `recorded without restore points: ${consequence}; give every target's (${missing.join(', ')}) or --capture` };
  if (options.incomplete) return { warning: `recorded as incomplete (${gap}): ${consequence}` };
  throw new UsageError(
    `${environment.name} restores ${recordingTargets(environment.targets).map((target) => target.type).join(', ')}: ${gap}. Give them, use --capture to read what every target serves now, or --incomplete to record it as history that automation never rolls ${environment.name} back to`,
  );
}

/** Who deployed, as the CI system says (a blank or unprintable value is no name). Pure. */
function ciActor(env: NodeJS.ProcessEnv): string | undefined {
  return [env.GITLAB_USER_LOGIN, env.GITHUB_ACTOR].map((name) => name?.trim()).find((name): name is string => !!name && name.length <= 200 && isPrintable(name));
}

/** `--irreversible` alone, or with why: what the history and every refusal will say. Pure. */
export function irreversibleReason(flag: string | boolean | undefined, recordedBy: string | undefined): string | undefined {
  if (flag === undefined || flag === false) return undefined;
  if (flag === true) return `marked irreversible${recordedBy ? ` by ${recordedBy}` : ''}`;
  const why = flag.trim();
  if (why.length < 3 || why.length > 500) throw new UsageError('invalid --irreversible: say why in 3 to 500 characters (e.g. "drops column orders.legacy_total"), or give the flag alone');
  return why;
}

export async function recordCommand(context: CliContext, options: RecordOptions): Promise<number> {
  const config = context.loadConfig();
  const environment = findEnvironment(config, options.env);
  const status = parseChoice('--status', options.status, RECORDABLE_STATUSES, 'a CI system records one of');
  if (options.rollback && status !== 'failed') throw new UsageError('--rollback goes with --status failed: it asks to roll back a deploy that failed after it moved traffic');
  if (options.rollback && context.options.local) throw new UsageError('--rollback asks the deployed orchestrator; rehearse it locally with: rollbackctl drill --local --scenario deploy-failure');
  if (options.rollback && !environment.rollbackOnDeployFailure) {
    throw new UsageError(`--rollback: ${environment.name} does not roll back failed deploys (set "rollbackOnDeployFailure": true in its configuration)`);
  }
  if (!/^[\w.+\-@/:]{1,128}$/.test(options.version)) {
    throw new UsageError(`invalid --version "${options.version}": letters, digits and . _ - + @ / : only, at most 128`);
  }
  if (options.id !== undefined && !/^[\w.\-:@/]{1,200}$/.test(options.id)) {
    throw new UsageError(`invalid --id "${options.id}": letters, digits and . _ - : @ / only, at most 200`);
  }
  if (!/^[\w.\-:@/]{1,64}$/.test(options.source)) {
    throw new UsageError(`invalid --source ${options.source.length > 80 ? `(${options.source.length} characters)` : `"${options.source}"`}: name the CI system in letters, digits and . _ - : @ / only, 1 to 64`);
  }
  const revision = options.revision === undefined ? undefined : parsePrintable('--revision', options.revision, 500, 'the source revision deployed, such as a commit id and its subject');
  const recordedBy = options.by !== undefined ? parsePrintable('--by', options.by, 200, 'name who deployed') : ciActor(context.io.env);
  const irreversible = irreversibleReason(options.irreversible, recordedBy);
  const given = restorePointsFromFlags(options, environment);
  const restorePoints = options.capture ? { ...(await captureRestorePoints(environment, context.options.region)), ...given } : given;
  let warning: string | undefined;
  const result = await context.withHistory(async ({ history: { deployments: store } }) => {
    // What is live now is what a point compares with (the same task-definition family…): checked before anything is written.
    const isKnownGoodCandidate = status === 'succeeded' && Object.keys(restorePoints).length > 0;
    const live = isKnownGoodCandidate ? (await store.findRollbackPair(environment)).liveDeployment : undefined;
    warning = checkRestorePoints({ status, incomplete: options.incomplete }, environment, restorePoints, live).warning;
    const deploymentId = await resolveDeploymentId(store, options, status, environment.name);
    return store.recordDeployment({
      deploymentId,
      environment: environment.name,
      version: options.version,
      status,
      source: options.source,
      recordedBy,
      ...(Object.keys(restorePoints).length > 0 ? { restorePoints } : {}),
      sourceRevision: revision,
      ...(irreversible ? { irreversible } : {}),
    });
  });
  if (warning) context.io.err(`rollbackctl: warning: ${warning}`);
  if (options.rollback) {
    // Only a deployment the history holds as failed is rolled back for a failure: say what it holds, ask nothing.
    if (result.deployment.status !== 'failed') {
      throw new UsageError(`${result.deployment.deploymentId} is recorded ${result.deployment.status}, not failed (${result.outcome === 'unchanged' ? 'it was already; nothing changed' : 'as recorded now'}): no rollback asked for. To roll it back anyway: rollbackctl rollback --env ${environment.name} --reason "…"`);
    }
    return askForRollback(context, options, config.application, result.deployment);
  }
  if (options.json) {
    context.printAnswer(result);
    return EXIT.ok;
  }
  const { deployment } = result;
  const gap = deployment.status === 'succeeded' ? describeCoverageGap(restorePointCoverage(environment.targets, deployment)) : undefined;
  const summary = `${deployment.deploymentId}: ${deployment.environment} ${deployment.version} ${deployment.status}${gap ? ' (incomplete: never restored to by automation)' : ''}`;
  switch (result.outcome) {
    case 'created':
      context.io.out(`recorded ${summary}`);
      break;
    case 'updated':
      context.io.out(`recorded ${summary} (was ${result.previousStatus})`);
      break;
    case 'unchanged':
      context.io.out(`already recorded, nothing changed: ${summary}`);
      break;
    default: {
      const exhaustive: never = result;
      throw new Error(`unexpected outcome ${JSON.stringify(exhaustive)}`);
    }
  }
  return EXIT.ok;
}

/**
 * The request id of a deployment's failed-deploy rollback: stable (a retried CI step continues the
 * same run) and within what the orchestrator accepts (letters, digits and `. _ : -`, at most 100),
 * whatever the deployment id holds: other characters become `-`, and a long or changed id keeps a
 * short hash of the original so two ids never share one. Pure.
 */
export function deployFailureRequestId(deploymentId: string): string {
  const prefix = 'deploy-failed-';
  const safe = deploymentId.replace(/[^\w.:-]/g, '-');
  if (safe === deploymentId && prefix.length + safe.length <= 100) return `${prefix}${safe}`;
  const hash = createHash('sha256').update(deploymentId).digest('hex').slice(0, 12);
  return `${prefix}${safe.slice(0, 100 - prefix.length - hash.length - 1)}-${hash}`;
}

/** The failed deploy just recorded moved traffic: the deployed orchestrator rolls it back (same claim, guards, validation). */
async function askForRollback(context: CliContext, options: RecordOptions, application: string, deployment: DeploymentRecord): Promise<number> {
  const url = await resolveRequestUrl({ url: options.url, stack: options.stack ?? defaultStackName(application), region: context.options.region }, context.io.env);
  if (!options.json) context.io.out(`recorded ${deployment.deploymentId}: ${deployment.environment} ${deployment.version} ${deployment.status}; asking ${new URL(url).host} to roll it back…`);
  const request = { action: 'deploy_failed', environment: deployment.environment, deploymentId: deployment.deploymentId, requestedBy: requester(options, context.io.env), requestId: deployFailureRequestId(deployment.deploymentId) };
  const result = await runRemotely(context, { url, payload: request, deploymentId: deployment.deploymentId, json: options.json });
  return exitCodeFor(result.outcome);
}
