import { Duration } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface ReconcilerScheduleProps {
  orchestrator: IFunction;
  /** How often unfinished runs past their lease are looked for (and resumed or escalated). */
  every?: Duration;
}

/** The input the orchestrator reads as "reconcile": find runs whose lease ran out unfinished. */
export const RECONCILE_INPUT = { action: 'reconcile' } as const;

/**
 * Every minute the orchestrator looks for runs left unfinished — a run that handed over, or one
 * whose invocation died — and resumes them or, past their attempts, escalates them. A missed tick
 * is not retried: the next one comes a minute later and reads the same index.
 */
export class ReconcilerSchedule extends Construct {
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ReconcilerScheduleProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: 'Resumes or escalates rollback runs whose lease expired before they finished',
      // Every minute: with a minute's lease renewed while a run lives, a dead run is resumed within two.
      schedule: Schedule.rate(props.every ?? Duration.minutes(1)),
    });
    this.rule.addTarget(new LambdaFunction(props.orchestrator, { event: RuleTargetInput.fromObject(RECONCILE_INPUT), retryAttempts: 0 }));
  }
}
