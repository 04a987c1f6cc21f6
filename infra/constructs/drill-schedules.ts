import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RollbackConfig } from '../../shared/config';

export interface DrillSchedulesProps {
  config: RollbackConfig;
  orchestrator: IFunction;
  deadLetterQueue: IQueue;
}

/**
 * The orchestrator's drill request for one environment. The scheduler's execution id makes the request
 * id: a retried delivery of one scheduled drill answers as that drill, the next month's is a new one.
 */
export function scheduledDrillInput(environment: string): string {
  return JSON.stringify({ action: 'drill', environment, requestedBy: 'scheduled drill', requestId: 'scheduled-drill-<aws.scheduler.execution-id>' });
}

/** One EventBridge Scheduler schedule per drilled environment, with a role that may invoke the orchestrator and nothing else. */
export class DrillSchedules extends Construct {
  public readonly schedules: CfnSchedule[] = [];
  /** The role the schedules invoke the orchestrator with (none without a schedule). */
  public readonly role?: Role;

  constructor(scope: Construct, id: string, props: DrillSchedulesProps) {
    super(scope, id);
    const { drills, environments } = props.config;
    if (!drills.schedule) return;
    // Only this account's schedules may use the role (EventBridge Scheduler's confused-deputy guard).
    const scheduler = new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } });
    const role = new Role(this, 'Role', { assumedBy: scheduler, description: 'Runs the scheduled rollback drills' });
    this.role = role;
    role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.orchestrator.functionArn] }));
    // Undeliverable drills land where every other failed event does (and its alarm).
    role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }));
    const drilled = drills.environments ?? environments.map((environment) => environment.name);
    for (const environment of drilled) {
      this.schedules.push(
        new CfnSchedule(this, `Drill-${environment}`, {
          description: `Read-only rollback drill of ${environment}; its result is announced on the results topic`,
          scheduleExpression: drills.schedule,
          scheduleExpressionTimezone: drills.timezone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          target: {
            arn: props.orchestrator.functionArn,
            roleArn: role.roleArn,
            input: scheduledDrillInput(environment),
            retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: Duration.hours(1).toSeconds() },
            deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
          },
        }),
      );
    }
  }
}
