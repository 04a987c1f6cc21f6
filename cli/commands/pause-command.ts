import { findEnvironment } from '../../shared/config';
import { pauseInForce, type EnvironmentControl } from '../../shared/history/environment-controls';
import { parseDuration } from '../../shared/time/duration';
import { UsageError } from '../cli-errors';
import type { CliContext } from '../cli-context';
import { requester } from './drill-command';

/** A pause is for a while: a week at most (a longer one belongs in the configuration, mode "paused"). */
const LONGEST_PAUSE_MS = 7 * 86_400_000;

export interface PauseOptions {
  env: string;
  for: string;
  reason: string;
  by?: string;
  json?: boolean;
}

export interface ResumeOptions {
  env: string;
  reason?: string;
  by?: string;
  json?: boolean;
}

/** "paused by ana until 2026-11-24 14:00 UTC: incident 42", or that automation acts. Pure. */
export function describeAutomation(control: EnvironmentControl, configuredMode: string, now: Date): string {
  const pause = pauseInForce(control, now);
  if (pause) return `paused by ${pause.by} until ${pause.until}: ${pause.reason}`;
  return configuredMode === 'act' ? 'acts on alarms (mode "act")' : `mode "${configuredMode}" (from the configuration)`;
}

/** `rollbackctl pause --env production --for 2h --reason "incident 42"`: alarms are announced, not acted on, until then. */
export async function pauseCommand(context: CliContext, options: PauseOptions): Promise<void> {
  const environment = findEnvironment(context.loadConfig(), options.env).name;
  let forMs: number;
  try {
    forMs = parseDuration(options.for);
  } catch (error) {
    throw new UsageError(`invalid --for: ${(error as Error).message}`);
  }
  if (forMs > LONGEST_PAUSE_MS) throw new UsageError(`invalid --for "${options.for}": a pause lasts at most 7d; to switch automation off for longer set "mode": "paused" in the configuration`);
  if (options.reason.trim().length < 3) throw new UsageError('--reason must say why (at least 3 characters): the on-call engineer who finds it paused reads it');
  const by = requester(options, context.io.env);
  const control = await context.withHistory((connection) => connection.history.controls.pause({ environment, by, reason: options.reason.trim(), until: new Date(Date.now() + forMs) }));
  if (options.json) return context.printAnswer(control);
  context.io.out(`paused automation in ${environment} until ${control.pause!.until} (by ${by}: ${control.pause!.reason}); alarms are announced, not acted on. Resume with: rollbackctl resume --env ${environment}`);
}

export async function resumeCommand(context: CliContext, options: ResumeOptions): Promise<void> {
  const config = context.loadConfig();
  const environmentConfig = findEnvironment(config, options.env);
  const by = requester(options, context.io.env);
  const { control, wasPaused } = await context.withHistory((connection) =>
    connection.history.controls.resume({ environment: environmentConfig.name, by, ...(options.reason ? { reason: options.reason.trim() } : {}) }),
  );
  if (options.json) return context.printAnswer({ ...control, wasPaused });
  const now = describeAutomation(control, environmentConfig.mode, new Date());
  context.io.out(wasPaused ? `resumed automation in ${environmentConfig.name} (by ${by}); it now ${now}` : `${environmentConfig.name} was not paused (resume recorded anyway, by ${by}); it ${now}`);
}
