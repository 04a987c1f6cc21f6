import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RollbackConfig } from '../shared/config';
import { HISTORY_TABLE } from '../shared/history/table-schema';

/** Function ARNs (and their configured alias) of every environment: nothing else may be touched. */
export function aliasFunctionArns(config: RollbackConfig, stack: Stack): string[] {
  return config.environments.flatMap((environment) =>
    (environment.lambda?.functions ?? []).flatMap((name) => {
      const functionArn = stack.formatArn({ service: 'lambda', resource: 'function', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      return [functionArn, `${functionArn}:${environment.lambda!.alias}`];
    }),
  );
}

/** Pipeline ARNs of every configured pipeline, each once. */
export function pipelineArns(config: RollbackConfig, stack: Stack): string[] {
  const names = [...new Set(config.environments.flatMap((environment) => (environment.pipeline ? [environment.pipeline.name] : [])))];
  return names.map((name) => stack.formatArn({ service: 'codepipeline', resource: name }));
}

/** Pipeline stage ARNs RollbackStage acts on. */
export function stageArns(config: RollbackConfig, stack: Stack): string[] {
  return config.environments.flatMap((environment) =>
    environment.pipeline ? [stack.formatArn({ service: 'codepipeline', resource: environment.pipeline.name, resourceName: environment.pipeline.stage })] : [],
  );
}

function statement(actions: string[], resources: string[]): PolicyStatement[] {
  return resources.length > 0 ? [new PolicyStatement({ actions, resources })] : [];
}

/** The orchestrator restores aliases and pipeline stages — only the configured ones. */
export function orchestratorStatements(config: RollbackConfig, stack: Stack): PolicyStatement[] {
  return [
    ...statement(['lambda:GetAlias', 'lambda:UpdateAlias'], aliasFunctionArns(config, stack)),
    ...statement(['codepipeline:GetPipelineExecution', 'codepipeline:StopPipelineExecution', 'codepipeline:RollbackStage'], [...pipelineArns(config, stack), ...stageArns(config, stack)]),
    // A resumed run looks for the rollback execution an earlier attempt may have started.
    ...statement(['codepipeline:GetPipelineState'], pipelineArns(config, stack)),
  ];
}

/** The validator only reads: aliases and stage state of the configured resources, and alarms. */
export function validatorStatements(config: RollbackConfig, stack: Stack): PolicyStatement[] {
  return [
    ...statement(['lambda:GetAlias'], aliasFunctionArns(config, stack)),
    ...statement(['codepipeline:GetPipelineState'], pipelineArns(config, stack)),
    // AWS constraint: DescribeAlarms returns composite alarms only when granted on "*".
    new PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }),
  ];
}

/** The recorder reads what a finished stage deployed. */
export function recorderStatements(config: RollbackConfig, stack: Stack): PolicyStatement[] {
  return [
    ...statement(['lambda:GetAlias'], aliasFunctionArns(config, stack)),
    ...statement(['codepipeline:GetPipelineExecution'], pipelineArns(config, stack)),
  ];
}

/** The history operations the functions perform — no Scan, no delete — on the table and its two indexes only. */
export function historyStatement(tableArn: string): PolicyStatement {
  return new PolicyStatement({
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    resources: [tableArn, `${tableArn}/index/${HISTORY_TABLE.byEnvironment.indexName}`, `${tableArn}/index/${HISTORY_TABLE.rollbacksByEnvironment.indexName}`],
  });
}

/** Publishing to the KMS-encrypted results topic: that topic, that key, nothing wider. */
export function publishStatements(topicArn: string, keyArn: string): PolicyStatement[] {
  return [
    new PolicyStatement({ actions: ['sns:Publish'], resources: [topicArn] }),
    new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [keyArn] }),
  ];
}
