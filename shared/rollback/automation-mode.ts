import type { EnvironmentMode } from '../config';
import { pauseInForce, type EnvironmentControl } from '../history/environment-controls';

/** What an alarm may do in an environment right now. */
export type Automation =
  | { mode: 'act' }
  | { mode: 'observe' }
  /** Not acting: `until` when a person paused it for a while; absent when the configuration says so. */
  | { mode: 'paused'; reason: string; until?: string };

/**
 * A pause people put in force wins over the configured mode until it lapses; otherwise the
 * configuration decides. Pure.
 */
export function automationFor(environment: string, configured: EnvironmentMode, control: EnvironmentControl | undefined, now: Date): Automation {
  const pause = pauseInForce(control, now);
  if (pause) return { mode: 'paused', until: pause.until, reason: `automation in ${environment} is paused by ${pause.by} until ${pause.until}: ${pause.reason}` };
  if (configured === 'paused') return { mode: 'paused', reason: `automation in ${environment} is paused by its configuration (mode "paused"): alarms are announced, not acted on` };
  return { mode: configured };
}
