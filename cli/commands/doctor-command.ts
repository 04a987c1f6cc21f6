import { spawnSync } from 'node:child_process';
import { ConfigError, type RollbackConfig } from '../../shared/config';
import { callerIdentity } from '../aws/caller-identity';
import { resolveRequestUrl } from '../aws/request-url';
import { EXIT } from '../cli-errors';
import type { CliContext } from '../cli-context';
import { localStateDirectory } from '../history-connection';
import { defaultStackName } from './drill-command';

/** One thing `doctor` checked: passed, failed (it says what to do), or not needed for what was asked. */
export interface DoctorCheck {
  name: string;
  state: 'ok' | 'failed' | 'skipped';
  detail: string;
}

/** How long `java -version` may take: a JVM's first start on a busy machine, not a hang. */
const JAVA_PROBE_MS = 30_000;

/** Java on the PATH, as DynamoDB Local needs it (17 or newer). */
function checkJava(needed: boolean, env: NodeJS.ProcessEnv): DoctorCheck {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: JAVA_PROBE_MS, env });
  const why = needed ? '' : ' (only --local needs it)';
  if (probe.error) return { name: 'java', state: needed ? 'failed' : 'skipped', detail: `"java" is not on the PATH${why}: install Java 17 or newer, e.g. apt-get install openjdk-17-jre-headless` };
  const banner = `${probe.stderr}${probe.stdout}`.split('\n')[0]?.trim() ?? '';
  const major = Number(/version "(\d+)/.exec(banner)?.[1] ?? 0);
  if (major > 0 && major < 17) return { name: 'java', state: needed ? 'failed' : 'skipped', detail: `${banner}: DynamoDB Local needs Java 17 or newer${why}` };
  return { name: 'java', state: 'ok', detail: banner || 'java answers' };
}

async function checkCredentials(region: string | undefined): Promise<{ check: DoctorCheck; region?: string }> {
  try {
    const identity = await callerIdentity(region);
    return { check: { name: 'credentials', state: 'ok', detail: `${identity.arn ?? '?'} (account ${identity.account ?? '?'}) in ${identity.region ?? '?'}` }, ...(identity.region ? { region: identity.region } : {}) };
  } catch (error) {
    const { name, message } = error as Error;
    if (message === 'Region is missing') return { check: { name: 'credentials', state: 'failed', detail: 'no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or give your profile a region' } };
    return { check: { name: 'credentials', state: 'failed', detail: `${name}: ${message.split('\n')[0]}; configure a profile (--profile) or log in again` } };
  }
}

async function checkTable(context: CliContext): Promise<DoctorCheck> {
  const tableName = context.options.table ?? context.io.env.ROLLBACK_TABLE;
  if (!tableName) return { name: 'table', state: 'failed', detail: 'no history table named: pass --table NAME or set ROLLBACK_TABLE (stack output HistoryTableName)' };
  try {
    const rows = await context.withHistory(async ({ history }) => history.deployments.listHistory({ environment: context.loadConfig().environments[0]!.name, limit: 1 }));
    return { name: 'table', state: 'ok', detail: `${tableName} answers (${rows.items.length > 0 ? 'deployments recorded' : 'no deployment recorded yet'})` };
  } catch (error) {
    return { name: 'table', state: 'failed', detail: `${tableName}: ${(error as Error).message.split('\n')[0]}` };
  }
}

async function checkOrchestrator(context: CliContext, config: RollbackConfig, region: string | undefined): Promise<DoctorCheck> {
  const stack = defaultStackName(config.application);
  try {
    const url = await resolveRequestUrl({ stack, ...(region ? { region } : {}) }, context.io.env);
    return { name: 'orchestrator', state: 'ok', detail: `request URL ${url}${context.io.env.ROLLBACK_REQUEST_URL ? ' (ROLLBACK_REQUEST_URL)' : ` (stack ${stack})`}` };
  } catch (error) {
    return { name: 'orchestrator', state: 'failed', detail: (error as Error).message.split('\n')[0] ?? 'not found' };
  }
}

/**
 * `rollbackctl doctor`: what the other commands need, one line each — Java (for --local), the
 * configuration and where it was found, credentials and region, the history table, the deployed
 * orchestrator (with --local: the local history instead of the AWS ones). Exit 0 only when all pass.
 */
export async function doctorCommand(context: CliContext, options: { json?: boolean }): Promise<number> {
  const checks: DoctorCheck[] = [];
  const local = context.options.local === true;
  checks.push(checkJava(local, context.io.env));
  let config: RollbackConfig | undefined;
  try {
    config = context.loadConfig();
    checks.push({ name: 'configuration', state: 'ok', detail: `${context.configInUse}: application ${config.application}, ${config.environments.length} environment(s)` });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    checks.push({ name: 'configuration', state: 'failed', detail: error.message.replace(/\n\s*/g, ' ') });
  }
  if (local) {
    const javaOk = checks[0]!.state === 'ok';
    const history = !javaOk
      ? { name: 'local history', state: 'skipped' as const, detail: 'needs Java' }
      : await context
          .withHistory(async (connection) => ({ name: 'local history', state: 'ok' as const, detail: `${connection.description} answers` }))
          .catch((error: Error) => ({ name: 'local history', state: 'failed' as const, detail: `${localStateDirectory(context.io.env)}: ${error.message.split('\n')[0]}` }));
    checks.push(history);
  } else {
    const { check, region } = await checkCredentials(context.options.region);
    checks.push(check);
    const reachable = check.state === 'ok' && config !== undefined;
    checks.push(reachable ? await checkTable(context) : { name: 'table', state: 'skipped', detail: 'needs credentials and a configuration' });
    checks.push(reachable ? await checkOrchestrator(context, config!, region) : { name: 'orchestrator', state: 'skipped', detail: 'needs credentials and a configuration' });
  }
  const failed = checks.filter((check) => check.state === 'failed');
  // Not needed is not passed, unless nothing asked for it (Java without --local).
  const passed = failed.length === 0 && checks.every((check) => check.state === 'ok' || check.name === 'java');
  if (options.json) context.printAnswer({ ok: passed, checks });
  else {
    const mark = { ok: '✓', failed: '✗', skipped: '–' } as const;
    for (const check of checks) context.io.out(`${mark[check.state]} ${check.name.padEnd(13)} ${check.detail}`);
    context.io.out(passed ? 'all checks passed' : `${failed.length > 0 ? `${failed.length} check(s) failed` : 'some checks could not run'}: see above`);
  }
  return passed ? EXIT.ok : EXIT.failed;
}
