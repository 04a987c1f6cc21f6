import { randomUUID } from 'node:crypto';
import { findEnvironment, type EnvironmentConfig } from '../../shared/config';
import { RECORDABLE_STATUSES, type RecordableStatus } from '../../shared/history/deployment-record';
import type { DeploymentHistory } from '../../shared/history/deployment-history';
import { parseChoice, UsageError } from '../cli-errors';
import type { CliContext } from '../cli-context';

export interface RecordOptions {
  env: string;
  version: string;
  status: string;
  id?: string;
  lambda?: string[];
  source: string;
  revision?: string;
  by?: string;
  json?: boolean;
}

/** `--lambda fn=42`: each function must be one the environment serves, each version a published number. */
export function parseLambdaVersions(pairs: readonly string[], environment: EnvironmentConfig): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const configured = environment.lambda?.functions ?? [];
  const versions: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([^=]+)=(\d+)$/.exec(pair);
    if (!match) throw new UsageError(`invalid --lambda "${pair}": use FUNCTION=VERSION with a published version number, e.g. api=42`);
    const [, functionName, version] = match as unknown as [string, string, string];
    if (!configured.includes(functionName)) {
      throw new UsageError(
        `invalid --lambda "${pair}": ${environment.name} serves ${configured.length ? configured.join(', ') : 'no Lambda functions'} (see the configuration)`,
      );
    }
    versions[functionName] = version;
  }
  return versions;
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

export async function recordCommand(context: CliContext, options: RecordOptions): Promise<void> {
  const config = context.loadConfig();
  const environment = findEnvironment(config, options.env);
  const status = parseChoice('--status', options.status, RECORDABLE_STATUSES, 'a CI system records one of');
  if (!/^[\w.+\-@/:]{1,128}$/.test(options.version)) {
    throw new UsageError(`invalid --version "${options.version}": letters, digits and . _ - + @ / : only, at most 128`);
  }
  if (options.id !== undefined && !/^[\w.\-:@/]{1,200}$/.test(options.id)) {
    throw new UsageError(`invalid --id "${options.id}": letters, digits and . _ - : @ / only, at most 200`);
  }
  const lambdaVersions = parseLambdaVersions(options.lambda ?? [], environment);
  const result = await context.withHistory(async ({ history: { deployments: store } }) => {
    const deploymentId = await resolveDeploymentId(store, options, status, environment.name);
    return store.recordDeployment({
      deploymentId,
      environment: environment.name,
      version: options.version,
      status,
      source: options.source,
      recordedBy: options.by ?? context.io.env.GITLAB_USER_LOGIN ?? context.io.env.GITHUB_ACTOR,
      lambdaVersions,
      sourceRevision: options.revision,
    });
  });
  if (options.json) {
    context.printJson(result);
    return;
  }
  const { deployment } = result;
  const summary = `${deployment.deploymentId}: ${deployment.environment} ${deployment.version} ${deployment.status}`;
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
}
