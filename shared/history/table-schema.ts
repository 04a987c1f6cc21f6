/**
 * The deployment history table, defined once: the CDK table and the local table creator both read this.
 * Base key: deploymentId. GSIs:
 *  - byEnvironment: every record of an environment, newest first (history, active + last known good).
 *  - rollbacksByEnvironment: sparse — only deployments that were claimed for a rollback carry its keys,
 *    so the guards count recent rollbacks without reading every deployment.
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
} as const;

/** String attributes that are keys somewhere (all ISO-8601 timestamps sort as strings). */
export const HISTORY_KEY_ATTRIBUTES = [
  HISTORY_TABLE.partitionKey,
  HISTORY_TABLE.byEnvironment.partitionKey,
  HISTORY_TABLE.byEnvironment.sortKey,
  HISTORY_TABLE.rollbacksByEnvironment.partitionKey,
  HISTORY_TABLE.rollbacksByEnvironment.sortKey,
] as const;
