import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { historyTableDefinition } from '../../shared/history/history-table-setup';
import { RollbackControllerStack } from '../../infra/rollback-controller-stack';

/** The template without bundling the functions: `npm run synth` and `npm run build` bundle them. */
function synthesize(): Template {
  const stack = new RollbackControllerStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', { config: loadConfig('rollback.config.json') });
  return Template.fromStack(stack);
}

describe('history table in the stack', () => {
  let template: Template;
  beforeAll(() => {
    template = synthesize();
  });

  it('has exactly the keys and indexes of the shared schema that the local table uses', () => {
    const local = historyTableDefinition('any');
    const [logicalId, table] = Object.entries(template.findResources('AWS::DynamoDB::GlobalTable'))[0]!;
    const properties = table.Properties as Record<string, unknown>;

    expect(logicalId).toMatch(/^HistoryTable/);
    expect(properties.KeySchema).toEqual(local.KeySchema);
    const indexes = (properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: unknown }[]).map(
      ({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection }),
    );
    expect(indexes).toEqual(local.GlobalSecondaryIndexes);
    expect(new Set((properties.AttributeDefinitions as unknown[]).map((definition) => JSON.stringify(definition)))).toEqual(
      new Set(local.AttributeDefinitions!.map((definition) => JSON.stringify(definition))),
    );
  });

  it('is on-demand, encrypted, recoverable to a point in time, expires drill records, and outlives the stack', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      }),
    });
    template.hasOutput('HistoryTableName', {});
  });
});
