import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TextWidget, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RollbackConfig } from '../../shared/config';
import { dashboardNameFor, METRIC, SELF_ALARM_PREFIX, selfAlarmNamePrefix, type MetricName } from '../../shared/powertools/metric-names';
import { METRICS_NAMESPACE } from '../../shared/powertools/powertools';

export interface SelfMonitoringProps {
  config: RollbackConfig;
  orchestrator: IFunction;
  functions: Record<string, IFunction>;
  deadLetterQueue: IQueue;
  topic: ITopic;
}


/** The controller watching itself: its own failures reach people through a topic of their own (not the results topic, whose failure one of them reports). */
export class SelfMonitoring extends Construct {
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: SelfMonitoringProps) {
    super(scope, id);
    const { config } = props;
    const clash = config.environments.flatMap((environment) => environment.alarms.prefixes).find((prefix) => SELF_ALARM_PREFIX.startsWith(prefix) || prefix.startsWith(SELF_ALARM_PREFIX));
    if (clash) throw new Error(`alarm prefix "${clash}" would match the controller's own alarms (${SELF_ALARM_PREFIX}…): its failures would trigger rollbacks`);
    const metric = (metricName: MetricName, environment: string, statistic = 'Sum', period = Duration.minutes(1)) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'orchestrator', environment }, statistic, period });
    const alarm = (name: string, description: string, measured: IMetric, threshold: number) => {
      const created = new Alarm(this, name, {
        alarmName: `${selfAlarmNamePrefix(config.application)}${name}`,
        alarmDescription: description,
        metric: measured,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new SnsAction(props.topic));
      this.alarms.push(created);
    };

    alarm('orchestrator-errors', 'The orchestrator failed (an event will be retried, then dead-lettered)', props.orchestrator.metricErrors({ period: Duration.minutes(1) }), 1);
    alarm('failed-events', 'Events the controller could not handle are waiting in the dead-letter queue', props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }), 1);
    for (const { name } of config.environments) {
      alarm(`${name}-rollback-failed`, `A rollback in ${name} failed: a person must act`, metric(METRIC.rollbackFailed, name), 1);
      // The guard's own count: the rollback that reaches the limit is the one that alarms (automation stops after it).
      const limit = config.policy.maxRollbacksPerHour;
      alarm(`${name}-rollbacks-per-hour`, `${limit} automatic rollbacks in ${name} within an hour: the limit; automation stops until a person looks`, metric(METRIC.automaticRollbacks, name, 'Sum', Duration.hours(1)), limit);
    }
    // One alarm for every environment: an outcome the results topic refused went to the failed-events queue, or nowhere.
    const refused = new MathExpression({
      expression: config.environments.map((_, index) => `FILL(m${index}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(config.environments.map(({ name }, index) => [`m${index}`, metric(METRIC.notificationFailed, name)])),
      period: Duration.minutes(1),
      label: 'notifications the results topic refused',
    });
    alarm('notifications-failed', 'The results topic refused an announcement: it is in the failed-events queue (or reached nobody)', refused, 1);

    const perEnvironment = (metricName: MetricName, statistic = 'Sum') => config.environments.map(({ name }) => metric(metricName, name, statistic, Duration.minutes(5)).with({ label: name }));
    const functions = Object.entries(props.functions);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: dashboardNameFor(config.application),
      widgets: [
        [new TextWidget({ markdown: `# Rollback controller — ${config.application}\nEnvironments: ${config.environments.map(({ name }) => name).join(' → ')}`, width: 24, height: 2 })],
        [
          new GraphWidget({ title: 'Rollbacks by environment', left: perEnvironment(METRIC.rollbacks), width: 8 }),
          new GraphWidget({ title: 'Outcomes: failed / skipped', left: [...perEnvironment(METRIC.rollbackFailed), ...perEnvironment(METRIC.rollbackSkipped)], width: 8 }),
          new GraphWidget({ title: 'Rollback duration (ms)', left: perEnvironment(METRIC.rollbackDuration, 'Maximum'), width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Validation failures', left: perEnvironment(METRIC.validationFailed), width: 8 }),
          new GraphWidget({ title: 'Function errors', left: functions.map(([name, fn]) => fn.metricErrors({ label: name })), width: 8 }),
          new GraphWidget({ title: 'Function duration p99 (ms)', left: functions.map(([name, fn]) => fn.metricDuration({ label: name, statistic: 'p99' })), width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Time to restore, p90 (ms): alarm → traffic restored', left: perEnvironment(METRIC.timeToRestore, 'p90'), width: 8 }),
          new GraphWidget({ title: 'Time to verdict, p90 (ms): restore → verdict', left: perEnvironment(METRIC.timeToVerdict, 'p90'), width: 8 }),
          new GraphWidget({ title: 'Unverified rollbacks (no evidence either way)', left: perEnvironment(METRIC.rollbackUnverified), width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Failed events waiting', left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible()], width: 8 }),
          new GraphWidget({ title: 'Runs handed over to the reconciler', left: perEnvironment(METRIC.runHandedOver), width: 8 }),
          new GraphWidget({ title: 'Announcements the topic refused', left: perEnvironment(METRIC.notificationFailed), width: 8 }),
        ],
      ],
    });
  }
}
