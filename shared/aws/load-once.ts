/**
 * Loads something on first use and keeps it for the container's life. Used for SDK modules the
 * orchestrator needs only after the alias update (CodePipeline, SNS): they stay off its cold start
 * and are never loaded for the duplicate and ignored events of an alarm storm.
 */
export function loadOnce<Value>(load: () => Promise<Value>): () => Promise<Value> {
  let loading: Promise<Value> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
