import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2, type GlobalSecondaryIndexPropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { HISTORY_TABLE } from '../../shared/history/table-schema';

const stringKey = (name: string) => ({ name, type: AttributeType.STRING });

function globalIndex(definition: { indexName: string; partitionKey: string; sortKey: string }): GlobalSecondaryIndexPropsV2 {
  return { indexName: definition.indexName, partitionKey: stringKey(definition.partitionKey), sortKey: stringKey(definition.sortKey) };
}

/** The deployment history table, built from the same schema the local table creator uses. */
export class HistoryTable extends Construct {
  public readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: stringKey(HISTORY_TABLE.partitionKey),
      globalSecondaryIndexes: [globalIndex(HISTORY_TABLE.byEnvironment), globalIndex(HISTORY_TABLE.rollbacksByEnvironment), globalIndex(HISTORY_TABLE.reconcileQueue)],
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: HISTORY_TABLE.timeToLiveAttribute,
      // The history is the audit trail of every rollback: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
  }
}
