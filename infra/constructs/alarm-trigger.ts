import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RollbackConfig } from '../../shared/config';

export interface AlarmTriggerProps {
  config: RollbackConfig;
  orchestrator: IFunction;
  deadLetterQueue: IQueue;
}

/**
 * CloudWatch alarms going into ALARM → the orchestrator: alarms named with a configured prefix, or
 * tagged with a configured environment (tag propagation). Retried, then dead-lettered — never dropped.
 */
export class AlarmTrigger extends Construct {
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: AlarmTriggerProps) {
    super(scope, id);
    const prefixes = props.config.environments.flatMap((environment) => environment.alarms.prefixes);
    const environments = props.config.environments.map((environment) => environment.name);
    this.rule = new Rule(this, 'Rule', {
      description: 'Alarms of the configured environments going into ALARM start a rollback',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: {
          state: { value: ['ALARM'] },
          $or: [{ alarmName: prefixes.map((prefix) => ({ prefix })) }, { alarmTags: { environment: environments } }],
        },
      },
    });
    this.rule.addTarget(
      new LambdaFunction(props.orchestrator, { retryAttempts: 4, maxEventAge: Duration.hours(2), deadLetterQueue: props.deadLetterQueue }),
    );
  }
}
