import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RollbackConfig } from '../shared/config';
import { HistoryTable } from './constructs/history-table';

export interface RollbackControllerStackProps extends StackProps {
  /** The validated rollback.config.json; everything environment-specific derives from it. */
  config: RollbackConfig;
}

/** The controller: history table now; functions, rules and topic join as their issues land. */
export class RollbackControllerStack extends Stack {
  public readonly history: HistoryTable;

  constructor(scope: Construct, id: string, props: RollbackControllerStackProps) {
    super(scope, id, props);
    this.history = new HistoryTable(this, 'History');
    new CfnOutput(this, 'HistoryTableName', { value: this.history.table.tableName, description: 'rollbackctl --table' });
  }
}
