import type { HistoryPorts } from '../../shared/history/dynamo-history';
import type { JournalStep } from '../../shared/history/run-journal';
import type { RollbackRunResult } from '../../shared/rollback/run-context';

/** How often a remote run's record is read for new journal steps. */
const FOLLOW_INTERVAL_MS = 2_000;

/**
 * Runs the invocation while reading the run's record for its journal, so each step shows as it
 * lands rather than after up to 16 minutes of silence. Only steps of this run (its request id) are
 * shown, each once; a read that fails is skipped (the invocation's answer is what counts).
 */
export async function followRun(
  invocation: Promise<RollbackRunResult>,
  watch: { history: HistoryPorts; deploymentId: string; runId: string },
  onStep: (step: JournalStep) => void,
  intervalMs = FOLLOW_INTERVAL_MS,
): Promise<{ result: RollbackRunResult; shown: number }> {
  let shown = 0;
  let done = false;
  const settled = invocation.finally(() => (done = true));
  const showNew = async () => {
    const record = await watch.history.deployments.getDeployment(watch.deploymentId).catch(() => undefined);
    const steps = (record?.timeline ?? []).filter((step) => step.runId === watch.runId);
    for (const step of steps.slice(shown)) onStep(step);
    shown = Math.max(shown, steps.length);
  };
  while (!done) {
    await Promise.race([settled.catch(() => undefined), new Promise((resume) => setTimeout(resume, intervalMs))]);
    if (!done) await showNew();
  }
  return { result: await settled, shown };
}
