import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RollbackConfig } from '../../shared/config';
import { recordedStages } from '../../shared/recording/record-pipeline-event';

export interface DeploymentRecordingProps {
  config: RollbackConfig;
  recorder: IFunction;
  deadLetterQueue: IQueue;
}

/** Stage executions of the pipeline stages the configured targets deploy from → the recorder. */
export class DeploymentRecording extends Construct {
  public readonly rule?: Rule;

  constructor(scope: Construct, id: string, props: DeploymentRecordingProps) {
    super(scope, id);
    const pipelines = recordedStages(props.config);
    if (pipelines.length === 0) return;
    this.rule = new Rule(this, 'Rule', {
      description: 'CodePipeline stage executions of the configured environments are recorded as deployments',
      eventPattern: {
        source: ['aws.codepipeline'],
        detailType: ['CodePipeline Stage Execution State Change'],
        detail: { pipeline: [...new Set(pipelines.map((pipeline) => pipeline.pipeline))], stage: [...new Set(pipelines.map((pipeline) => pipeline.stage))] },
      },
    });
    this.rule.addTarget(new LambdaFunction(props.recorder, { retryAttempts: 8, maxEventAge: Duration.hours(6), deadLetterQueue: props.deadLetterQueue }));
  }
}
