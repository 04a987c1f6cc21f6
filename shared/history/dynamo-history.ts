import type { DeploymentHistory } from './deployment-history';
import { DynamoDeploymentHistory, type DynamoDeploymentHistoryOptions } from './dynamo-deployment-history';
import { DynamoNoticeLedger } from './dynamo-notice-ledger';
import { DynamoRunStore } from './dynamo-run-store';
import type { NoticeLedger, RunStore } from './run-store';

/** The three views of the one history table a rollback run needs. */
export interface HistoryPorts {
  deployments: DeploymentHistory;
  runs: RunStore;
  notices: NoticeLedger;
}

/** Every port over one DynamoDB history table, sharing its client and clock. */
export function dynamoHistory(options: DynamoDeploymentHistoryOptions): HistoryPorts {
  return { deployments: new DynamoDeploymentHistory(options), runs: new DynamoRunStore(options), notices: new DynamoNoticeLedger(options) };
}
