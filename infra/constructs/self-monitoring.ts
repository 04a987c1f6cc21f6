import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, TextWidget, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
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
    /**
     * One Metrics Insights query over every environment's series (the orchestrator emits each with
     * the dimensions service and environment): the alarms and the dashboard stay the same size for 3
     * environments or 1,000, and an environment added later is watched without a deploy.
     */
    const insights = (metricName: MetricName, options: { statistic?: 'SUM' | 'MAX'; byEnvironment: boolean; period: Duration; label: string }) =>
      new MathExpression({
        expression: metricsInsightsQuery(metricName, options),
        usingMetrics: {},
        period: options.period,
        label: options.label,
      });
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
    // Each environment a contributor of one alarm: the state reason names the environments in ALARM.
    alarm('rollback-failed', 'A rollback failed: a person must act (the alarm names each environment)', insights(METRIC.rollbackFailed, { byEnvironment: true, period: Duration.minutes(1), label: 'failed rollbacks' }), 1);
    // The guard's own count: the rollback that reaches the limit is the one that alarms (automation stops after it).
    const limit = config.policy.maxRollbacksPerHour;
    alarm('rollbacks-per-hour', `${limit} automatic rollbacks in one environment within an hour: the limit; automation stops there until a person looks`, insights(METRIC.automaticRollbacks, { byEnvironment: true, period: Duration.hours(1), label: 'automatic rollbacks in the hour' }), limit);
    // One alarm for every environment: an outcome the results topic refused went to the failed-events queue, or nowhere.
    alarm('notifications-failed', 'The results topic refused an announcement: it is in the failed-events queue (or reached nobody)', insights(METRIC.notificationFailed, { byEnvironment: false, period: Duration.minutes(1), label: 'notifications the results topic refused' }), 1);

    const perEnvironment = (metricName: MetricName, statistic: 'SUM' | 'MAX' = 'SUM') => [insights(metricName, { statistic, byEnvironment: true, period: Duration.minutes(5), label: '' })];
    const functions = Object.entries(props.functions);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: dashboardNameFor(config.application),
      widgets: [
        [new TextWidget({ markdown: `# Rollback controller — ${config.application}\n${describeEnvironments(config)}`, width: 24, height: 2 })],
        [
          new GraphWidget({ title: 'Rollbacks by environment', left: perEnvironment(METRIC.rollbacks), width: 8 }),
          new GraphWidget({ title: 'Outcomes: failed / skipped', left: [...perEnvironment(METRIC.rollbackFailed), ...perEnvironment(METRIC.rollbackSkipped)], width: 8 }),
          new GraphWidget({ title: 'Rollback duration (ms)', left: perEnvironment(METRIC.rollbackDuration, 'MAX'), width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Validation failures', left: perEnvironment(METRIC.validationFailed), width: 8 }),
          new GraphWidget({ title: 'Function errors', left: functions.map(([name, fn]) => fn.metricErrors({ label: name })), width: 8 }),
          new GraphWidget({ title: 'Function duration p99 (ms)', left: functions.map(([name, fn]) => fn.metricDuration({ label: name, statistic: 'p99' })), width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Time to restore, max (ms): alarm → traffic restored', left: perEnvironment(METRIC.timeToRestore, 'MAX'), width: 8 }),
          new GraphWidget({ title: 'Time to verdict, max (ms): restore → verdict', left: perEnvironment(METRIC.timeToVerdict, 'MAX'), width: 8 }),
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

/**
 * The Metrics Insights query over the orchestrator's series of one metric: summed (or the maximum)
 * per environment, the 100 highest (an alarm evaluates at most 100 contributors in ALARM), or over
 * all environments at once. Pure.
 */
export function metricsInsightsQuery(metricName: MetricName, options: { statistic?: 'SUM' | 'MAX'; byEnvironment: boolean }): string {
  const statistic = options.statistic ?? 'SUM';
  const select = `SELECT ${statistic}(${metricName}) FROM SCHEMA("${METRICS_NAMESPACE}", environment, service) WHERE service = 'orchestrator'`;
  return options.byEnvironment ? `${select} GROUP BY environment ORDER BY ${statistic}() DESC LIMIT 100` : select;
}

/** The dashboard's heading: the environments in promotion order, or how many past what a heading can hold. */
function describeEnvironments(config: RollbackConfig): string {
  const names = config.environments.map(({ name }) => name).join(' → ');
  return names.length <= 400 ? `Environments: ${names}` : `${config.environments.length} environments, from ${config.environments[0]!.name} to ${config.environments.at(-1)!.name}`;
}
