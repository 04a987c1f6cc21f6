import type { RollbackRunResult } from '../../shared/rollback/run-context';

/** How often a request found in flight under another invocation is asked again, and for how long at most (the orchestrator's 15 minutes and a margin). */
export const IN_FLIGHT_POLL_MS = 5_000;
const IN_FLIGHT_DEADLINE_MS = 17 * 60_000;

/**
 * Invokes the orchestrator, and while the answer says this very request is being driven by another
 * invocation (the SDK sent it twice after a dropped connection), asks again with the same request
 * id until it answers with its outcome: a person hears how their rollback ended, never `duplicate`.
 */
export async function invokeUntilAnswered(
  invoke: () => Promise<RollbackRunResult>,
  options: { intervalMs?: number; deadlineMs?: number; onWaiting?: (result: RollbackRunResult) => void } = {},
): Promise<RollbackRunResult> {
  const deadline = Date.now() + (options.deadlineMs ?? IN_FLIGHT_DEADLINE_MS);
  let result = await invoke();
  while (result.inFlight && Date.now() < deadline) {
    options.onWaiting?.(result);
    await new Promise((resume) => setTimeout(resume, options.intervalMs ?? IN_FLIGHT_POLL_MS));
    result = await invoke();
  }
  return result;
}
