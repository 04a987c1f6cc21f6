import type { EnvironmentConfig, RollbackPolicy } from '../../shared/config';
import { findEnvironment } from '../../shared/config';
import { rollbackEntriesOf } from '../../shared/history/environment-head';
import { describeLive, type LiveState } from '../../shared/history/live-state';
import type { ReadinessReport } from '../../shared/history/readiness-report';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import type { EnvironmentControl } from '../../shared/history/environment-controls';
import type { ActiveBy, RollbackPair } from '../../shared/history/rollback-selection';
import { automationFor } from '../../shared/rollback/automation-mode';
import { cooldownAfter } from '../../shared/rollback/rollback-plan';
import type { CliContext } from '../cli-context';
import { UsageError } from '../cli-errors';
import { cutToWidth } from '../terminal-safe';

export interface StatusOptions {
  env?: string;
  json?: boolean;
  /** Refresh every this many seconds (true: 5) until interrupted. */
  watch?: string | boolean;
  /** With --watch: stop after this many refreshes (scripts and tests). */
  times?: string;
}

/** How far back "the last rollback" is looked for. */
const LAST_ROLLBACK_WINDOW_MS = 30 * 24 * 3_600_000;

export interface EnvironmentStatus {
  environment: string;
  automation: { mode: 'act' | 'observe' | 'paused'; until?: string; reason?: string };
  /** What the head keeps as live: the deployment, how it got there and since when (absent until something moved traffic since the upgrade). */
  live?: LiveState;
  /** The deployment a rollback would replace now, and how it was found (`live`, `rolling_back`, `deploying`, or `inferred` from statuses). */
  active?: { deploymentId: string; version: string; status: string; by?: ActiveBy };
  /** The last rollback-readiness check: can the known good be restored now, and do the targets serve what is kept live. */
  readiness?: ReadinessReport;
  lastKnownGood?: { deploymentId: string; version: string };
  running?: { runId: string; holder?: string; leaseExpiresAt?: string; step?: string; stepAt?: string; detail?: string };
  cooldownUntil?: string;
  lastRollback?: { deploymentId: string; outcome: string; level?: string; fromVersion: string; toVersion?: string; startedAt: string; finishedAt?: string };
}

/** One environment's state as an on-call person asks it: what is live, what is running, what holds automation back. Pure. */
export function environmentStatus(input: {
  environment: EnvironmentConfig;
  policy: RollbackPolicy;
  pair: RollbackPair;
  rollbacks: readonly DeploymentRecord[];
  control?: EnvironmentControl;
  readiness?: ReadinessReport;
  now: Date;
}): EnvironmentStatus {
  const { environment, pair, now } = input;
  const automation = automationFor(environment.name, environment.mode, input.control, now);
  const active = pair.activeDeployment;
  const step = active?.status === 'rolling_back' ? active.timeline?.at(-1) : undefined;
  const last = input.rollbacks.find((record) => record.rollback);
  const cooldown = cooldownAfter(rollbackEntriesOf(input.rollbacks), input.policy, now);
  return {
    environment: environment.name,
    automation: { mode: automation.mode, ...(automation.mode === 'paused' ? { reason: automation.reason, ...(automation.until ? { until: automation.until } : {}) } : {}) },
    ...(pair.live ? { live: pair.live } : {}),
    ...(active ? { active: { deploymentId: active.deploymentId, version: active.version, status: active.status, ...(pair.activeBy ? { by: pair.activeBy } : {}) } } : {}),
    ...(pair.lastKnownGood ? { lastKnownGood: { deploymentId: pair.lastKnownGood.deploymentId, version: pair.lastKnownGood.version } } : {}),
    ...(input.readiness ? { readiness: input.readiness } : {}),
    ...(active?.status === 'rolling_back' && active.rollback
      ? {
          running: {
            runId: active.rollback.runId,
            ...(active.rollback.holder ? { holder: active.rollback.holder } : {}),
            ...(active.rollback.leaseExpiresAt ? { leaseExpiresAt: active.rollback.leaseExpiresAt } : {}),
            ...(step ? { step: step.step, stepAt: step.at, detail: step.detail } : {}),
          },
        }
      : {}),
    ...(cooldown ? { cooldownUntil: cooldown.until } : {}),
    ...(last?.rollback
      ? {
          lastRollback: {
            deploymentId: last.deploymentId,
            outcome: last.status,
            ...(last.rollback.level ? { level: last.rollback.level } : {}),
            fromVersion: last.version,
            ...(last.rollback.targetVersion ? { toVersion: last.rollback.targetVersion } : {}),
            startedAt: last.rollback.startedAt,
            ...(last.rollback.finishedAt ? { finishedAt: last.rollback.finishedAt } : {}),
          },
        }
      : {}),
  };
}

/** "ready (checked …)" or what stands in the way of a rollback now. Pure. */
function describeReadiness(report: ReadinessReport | undefined): string {
  if (!report) return 'not checked yet (the reconciler checks within minutes of a deployment, then hourly)';
  if (report.ready) return `ready: the known good can be restored now (checked ${report.checkedAt})`;
  return `NOT READY (checked ${report.checkedAt}): ${[...report.problems, ...report.drift.map((drift) => `drift: ${drift}`)].join('; ')}`;
}

/** Why the active deployment is not simply the live one, when it is not. */
const ACTIVE_BY: Record<ActiveBy, string> = { live: '', rolling_back: ' (being rolled back)', deploying: ' (deploying now, over the live one)', inferred: ' (inferred)' };

/** The lines a person reads for one environment, each cut to the terminal's width (`--json` has everything). Pure. */
export function renderStatus(status: EnvironmentStatus, width = Infinity): string {
  const automation = status.automation.mode === 'paused' ? `paused: ${status.automation.reason}` : status.automation.mode;
  const lines: [string, string | undefined][] = [
    ['automation', automation],
    ['live', status.live ? describeLive(status.live) : status.active ? 'not kept yet (inferred from the history until a deployment or rollback is recorded)' : 'none recorded'],
    ['active', status.active ? `${status.active.deploymentId} ${status.active.version} ${status.active.status}${ACTIVE_BY[status.active.by ?? 'live']}` : 'none recorded'],
    ['last good', status.lastKnownGood ? `${status.lastKnownGood.deploymentId} ${status.lastKnownGood.version}` : 'none recorded'],
    ['readiness', status.active ? describeReadiness(status.readiness) : undefined],
    [
      'running',
      status.running
        ? `run ${status.running.runId}${status.running.holder ? ` (driven by ${status.running.holder})` : ''}${status.running.leaseExpiresAt ? `, lease until ${status.running.leaseExpiresAt}` : ''}`
        : undefined,
    ],
    ['  step', status.running?.step ? `${status.running.step} at ${status.running.stepAt}: ${status.running.detail}` : undefined],
    ['cooldown', status.cooldownUntil ? `until ${status.cooldownUntil}` : undefined],
    [
      'last rollback',
      status.lastRollback
        ? `${status.lastRollback.outcome}${status.lastRollback.level ? ` (${status.lastRollback.level})` : ''} ${status.lastRollback.fromVersion} -> ${status.lastRollback.toVersion ?? '?'} at ${status.lastRollback.startedAt} (${status.lastRollback.deploymentId})`
        : 'none in 30 days',
    ],
  ];
  return [status.environment, ...lines.filter(([, value]) => value !== undefined).map(([name, value]) => cutToWidth(`  ${name.padEnd(13)} ${value}`, width))].join('\n');
}

/**
 * `rollbackctl status [--env X] [--watch [s]]`: per environment, what is live, the last good, a
 * running rollback and its current step, cooldown, mode or pause, and the last rollback.
 */
export async function statusCommand(context: CliContext, options: StatusOptions): Promise<void> {
  const config = context.loadConfig();
  const environments = options.env ? [findEnvironment(config, options.env)] : config.environments;
  const intervalSeconds = options.watch === undefined || options.watch === false ? undefined : options.watch === true ? 5 : Number(options.watch);
  if (intervalSeconds !== undefined && !(Number.isFinite(intervalSeconds) && intervalSeconds >= 1)) throw new UsageError(`invalid --watch "${String(options.watch)}": seconds between refreshes, 1 or more`);
  const times = options.times === undefined ? Infinity : Number(options.times);
  if (!(times >= 1)) throw new UsageError(`invalid --times "${options.times}": a count of refreshes, 1 or more`);
  await context.withHistory(async ({ history }) => {
    for (let refresh = 1; ; refresh += 1) {
      const now = new Date();
      const statuses = await Promise.all(
        environments.map(async (environment) => {
          // The pair's one Query reads the head too: the pause, what is live, the readiness report.
          const [{ pair, head }, rollbacks] = await Promise.all([
            history.deployments.readEnvironment(environment),
            history.deployments.listRollbacksSince(environment.name, new Date(now.getTime() - LAST_ROLLBACK_WINDOW_MS)),
          ]);
          return environmentStatus({ environment, policy: config.policy, pair, rollbacks, ...(head ? { control: head.control } : {}), ...(head?.readiness ? { readiness: head.readiness } : {}), now });
        }),
      );
      // Watching as JSON: one object per line (NDJSON), so `| jq` and log shippers read each refresh as it comes.
      if (options.json) context.printAnswer({ at: now.toISOString(), environments: statuses }, { compact: intervalSeconds !== undefined });
      else {
        // A terminal watching gets a cleared screen per refresh; a pipe gets the refreshes one after another.
        if (intervalSeconds !== undefined && context.io.liveWrite) context.io.liveWrite('\u001b[2J\u001b[H');
        context.io.out([`status at ${now.toISOString()}`, ...statuses.map((status) => renderStatus(status, context.io.columns ?? Infinity))].join('\n\n'));
      }
      if (intervalSeconds === undefined || refresh >= times) return;
      await new Promise((resume) => setTimeout(resume, intervalSeconds * 1_000));
    }
  });
}
