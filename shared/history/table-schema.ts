/**
 * The deployment history table, defined once: the CDK table and the local table creator both read this.
 * Base key: deploymentId. GSIs:
 *  - byEnvironment: every record of an environment, newest first (history, active + last known good).
 *  - rollbacksByEnvironment: sparse — only deployments that were claimed for a rollback carry its keys,
 *    so the guards count recent rollbacks without reading every deployment.
 *  - reconcileQueue: sparse — what the reconciler has to look at, by when: each unfinished run (by
 *    its lease) and each environment head whose readiness check is due. One Query per tick reads
 *    what is due, however many environments there are.
 */
export const HISTORY_TABLE = {
  partitionKey: 'deploymentId',
  timeToLiveAttribute: 'expiresAt',
  byEnvironment: { indexName: 'byEnvironment', partitionKey: 'environment', sortKey: 'startedAt' },
  rollbacksByEnvironment: {
    indexName: 'rollbacksByEnvironment',
    partitionKey: 'rollbackEnvironment',
    sortKey: 'rollbackStartedAt',
  },
  reconcileQueue: { indexName: 'reconcileQueue', partitionKey: 'reconcileQueue', sortKey: 'reconcileAt' },
} as const;

/** The one partition of the reconcile queue (few items at any time: open runs and due heads). */
export const RECONCILE_QUEUE = 'due';

/** String attributes that are keys somewhere (all ISO-8601 timestamps sort as strings). */
export const HISTORY_KEY_ATTRIBUTES = [
  HISTORY_TABLE.partitionKey,
  HISTORY_TABLE.byEnvironment.partitionKey,
  HISTORY_TABLE.byEnvironment.sortKey,
  HISTORY_TABLE.rollbacksByEnvironment.partitionKey,
  HISTORY_TABLE.rollbacksByEnvironment.sortKey,
  HISTORY_TABLE.reconcileQueue.partitionKey,
  HISTORY_TABLE.reconcileQueue.sortKey,
] as const;
