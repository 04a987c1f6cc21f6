// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

const isoTimestamp = z.iso.datetime({ offset: false });

/** People paused automation in an environment: who, why, since and until when. */
export const environmentPauseSchema = z.object({ by: z.string().min(1), reason: z.string().min(1), at: isoTimestamp, until: isoTimestamp });
export type EnvironmentPause = z.infer<typeof environmentPauseSchema>;

/** One pause or resume, as the history shows it. */
export const controlEventSchema = z.object({
  action: z.enum(['pause', 'resume']),
  by: z.string().min(1),
  reason: z.string().optional(),
  at: isoTimestamp,
  until: isoTimestamp.optional(),
});
export type ControlEvent = z.infer<typeof controlEventSchema>;

/** An environment's runtime controls: the pause in force (if any) and the newest pauses and resumes. */
export interface EnvironmentControl {
  environment: string;
  pause?: EnvironmentPause;
  /** Newest first, at most CONTROL_EVENTS_KEPT. */
  events: ControlEvent[];
}

export const CONTROL_EVENTS_KEPT = 20;

/** The pause still in force at `now`, if any. Pure. */
export function pauseInForce(control: EnvironmentControl | undefined, now: Date): EnvironmentPause | undefined {
  const pause = control?.pause;
  return pause && pause.until > now.toISOString() ? pause : undefined;
}

/** Who may pause and resume automation, and what the runner reads before acting. */
export interface EnvironmentControls {
  read(environment: string): Promise<EnvironmentControl>;
  pause(input: { environment: string; by: string; reason: string; until: Date }): Promise<EnvironmentControl>;
  /** Lifts the pause; `wasPaused` says whether one was in force. */
  resume(input: { environment: string; by: string; reason?: string }): Promise<{ control: EnvironmentControl; wasPaused: boolean }>;
}
