import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmActionsReader } from '../rollback/run-dependencies';
import { loadOnce } from './load-once';

/** Loaded on the first alarm, alongside the history reads: off the orchestrator's cold start. */
const cloudWatchSdk = loadOnce(() => import('@aws-sdk/client-cloudwatch'));

/** DescribeAlarms by name, metric or composite: whether the alarm's actions are enabled (undefined when it is gone). */
export class CloudWatchAlarmActions implements AlarmActionsReader {
  constructor(private readonly client: () => Promise<CloudWatchClient>) {}

  async actionsEnabled(alarmName: string): Promise<boolean | undefined> {
    const [{ DescribeAlarmsCommand }, client] = await Promise.all([cloudWatchSdk(), this.client()]);
    const page = await client.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    return (page.MetricAlarms?.[0] ?? page.CompositeAlarms?.[0])?.ActionsEnabled;
  }
}
