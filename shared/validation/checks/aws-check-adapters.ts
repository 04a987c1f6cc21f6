import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetPipelineStateCommand, type CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { AlarmObservation, AlarmReader, AliasObservation, AliasReader, PipelineStageReader, StageObservation } from './check-ports';

/** DescribeAlarms per prefix, metric and composite alike, every page. */
export class CloudWatchAlarmReader implements AlarmReader {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async alarmsWithPrefixes(prefixes: readonly string[]): Promise<AlarmObservation[]> {
    const pages = await Promise.all(prefixes.map((prefix) => this.#allWithPrefix(prefix)));
    return pages.flat();
  }

  async #allWithPrefix(prefix: string): Promise<AlarmObservation[]> {
    const alarms: AlarmObservation[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.cloudWatch.send(
        new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: nextToken }),
      );
      for (const alarm of page.MetricAlarms ?? []) {
        alarms.push({ name: alarm.AlarmName ?? '?', type: 'metric', state: alarm.StateValue ?? 'INSUFFICIENT_DATA', reason: alarm.StateReason ?? '' });
      }
      for (const alarm of page.CompositeAlarms ?? []) {
        alarms.push({ name: alarm.AlarmName ?? '?', type: 'composite', state: alarm.StateValue ?? 'INSUFFICIENT_DATA', reason: alarm.StateReason ?? '' });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return alarms;
  }
}

export class LambdaAliasReader implements AliasReader {
  constructor(private readonly lambda: LambdaClient) {}

  async readAlias(functionName: string, alias: string): Promise<AliasObservation> {
    try {
      const result = await this.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }));
      return { functionName, version: result.FunctionVersion, weightedVersions: Object.keys(result.RoutingConfig?.AdditionalVersionWeights ?? {}) };
    } catch (error) {
      return { functionName, weightedVersions: [], error: `${(error as Error).name}: ${(error as Error).message}` };
    }
  }
}

export class CodePipelineStageReader implements PipelineStageReader {
  constructor(private readonly codePipeline: CodePipelineClient) {}

  async latestStageExecution(pipelineName: string, stageName: string): Promise<StageObservation> {
    try {
      const state = await this.codePipeline.send(new GetPipelineStateCommand({ name: pipelineName }));
      const stage = state.stageStates?.find((candidate) => candidate.stageName === stageName);
      if (!stage) return { error: `stage ${stageName} not found in pipeline ${pipelineName}` };
      return { executionId: stage.latestExecution?.pipelineExecutionId, status: stage.latestExecution?.status };
    } catch (error) {
      return { error: `${(error as Error).name}: ${(error as Error).message}` };
    }
  }
}
