import type { DeploymentHistory } from './deployment-history';
import { DynamoDeploymentHistory, type DynamoDeploymentHistoryOptions } from './dynamo-deployment-history';
import { DynamoEnvironmentControls } from './dynamo-environment-controls';
import { DynamoNoticeLedger } from './dynamo-notice-ledger';
import type { EnvironmentControls } from './environment-controls';
import { DynamoRunStore } from './dynamo-run-store';
import type { NoticeLedger, RunStore } from './run-store';

/** The views of the one history table a rollback run needs. */
export interface HistoryPorts {
  deployments: DeploymentHistory;
  runs: RunStore;
  notices: NoticeLedger;
  /** Pauses people put on automation, per environment. */
  controls: EnvironmentControls;
}

/** Every port over one DynamoDB history table, sharing its client and clock. */
export function dynamoHistory(options: DynamoDeploymentHistoryOptions): HistoryPorts {
  return {
    deployments: new DynamoDeploymentHistory(options),
    runs: new DynamoRunStore(options),
    notices: new DynamoNoticeLedger(options),
    controls: new DynamoEnvironmentControls(options),
  };
}
