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

/** EventBridge refuses an event pattern over 2,048 characters; past this the rule stops naming environments. */
export const NAMED_PATTERN_LIMIT = 1_800;

/**
 * Which alarm state changes reach the orchestrator: those named with a configured prefix or tagged
 * with a configured environment (tag propagation) while that list fits in a pattern; past it, every
 * alarm going into ALARM — the orchestrator routes by its config and ignores the rest — so the rule
 * stays the same size for 40 environments or 1,000. Pure.
 */
export function alarmEventPattern(config: RollbackConfig): { source: string[]; detailType: string[]; detail: Record<string, unknown> } {
  const prefixes = config.environments.flatMap((environment) => environment.alarms.prefixes);
  const environments = config.environments.map((environment) => environment.name);
  const base = { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'] };
  const named = { ...base, detail: { state: { value: ['ALARM'] }, $or: [{ alarmName: prefixes.map((prefix) => ({ prefix })) }, { alarmTags: { environment: environments } }] } };
  return JSON.stringify(named).length <= NAMED_PATTERN_LIMIT ? named : { ...base, detail: { state: { value: ['ALARM'] } } };
}

/** CloudWatch alarms going into ALARM → the orchestrator. Retried, then dead-lettered — never dropped. */
export class AlarmTrigger extends Construct {
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: AlarmTriggerProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: 'Alarms of the configured environments going into ALARM start a rollback',
      eventPattern: alarmEventPattern(props.config),
    });
    this.rule.addTarget(
      new LambdaFunction(props.orchestrator, { retryAttempts: 4, maxEventAge: Duration.hours(2), deadLetterQueue: props.deadLetterQueue }),
    );
  }
}
