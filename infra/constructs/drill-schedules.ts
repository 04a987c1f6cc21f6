import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RollbackConfig } from '../../shared/config';
import { DRILL_BATCH_SIZE } from '../../shared/events/rollback-request';

export interface DrillSchedulesProps {
  config: RollbackConfig;
  orchestrator: IFunction;
  deadLetterQueue: IQueue;
}

/**
 * The orchestrator's drill request for a batch of environments (each drilled as it would be alone).
 * The scheduler's execution id makes the request id: a retried delivery of one scheduled drill
 * answers as that drill, the next month's is a new one.
 */
export function scheduledDrillInput(environments: readonly string[]): string {
  return JSON.stringify({ action: 'drill', environments, requestedBy: 'scheduled drill', requestId: 'scheduled-drill-<aws.scheduler.execution-id>' });
}

/**
 * One EventBridge Scheduler schedule per batch of drilled environments (DRILL_BATCH_SIZE each: 40
 * schedules for 1,000 environments), with a role that may invoke the orchestrator and nothing else.
 */
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
    for (let first = 0; first < drilled.length; first += DRILL_BATCH_SIZE) {
      const batch = drilled.slice(first, first + DRILL_BATCH_SIZE);
      this.schedules.push(
        new CfnSchedule(this, `Drills${first / DRILL_BATCH_SIZE + 1}`, {
          description: `Read-only rollback drills of ${describeBatch(batch)}; each result is announced on the results topic`,
          scheduleExpression: drills.schedule,
          scheduleExpressionTimezone: drills.timezone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          target: {
            arn: props.orchestrator.functionArn,
            roleArn: role.roleArn,
            input: scheduledDrillInput(batch),
            retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: Duration.hours(1).toSeconds() },
            deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
          },
        }),
      );
    }
  }
}

/** A schedule's description names its environments while they fit (Scheduler allows 512 characters). */
function describeBatch(batch: readonly string[]): string {
  const names = batch.join(', ');
  return names.length <= 300 ? names : `${batch.length} environments, ${batch[0]} to ${batch.at(-1)}`;
}
