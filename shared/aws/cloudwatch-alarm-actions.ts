import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmActionsReader, AlarmFacts } from '../rollback/run-dependencies';
import type { TargetLocation } from '../targets/target-plugin';
import { loadOnce } from './load-once';

/** Loaded on the first alarm, alongside the history reads: off the orchestrator's cold start. */
const cloudWatchSdk = loadOnce(() => import('@aws-sdk/client-cloudwatch'));

/**
 * DescribeAlarms by name, metric or composite: whether the alarm's actions are enabled, and while it
 * is in ALARM since when (StateTransitionedTimestamp: the last change of state, not of its reason).
 * Undefined when the alarm is gone.
 */
export class CloudWatchAlarmActions implements AlarmActionsReader {
  /** `client(location)`: the controller's own client, or the one of an environment's region and role. */
  constructor(private readonly client: (location?: TargetLocation) => Promise<CloudWatchClient>) {}

  async read(alarmName: string, location?: TargetLocation): Promise<AlarmFacts | undefined> {
    const [{ DescribeAlarmsCommand }, client] = await Promise.all([cloudWatchSdk(), this.client(location)]);
    const page = await client.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    const alarm = page.MetricAlarms?.[0] ?? page.CompositeAlarms?.[0];
    if (!alarm) return undefined;
    const transitioned = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
    return {
      ...(alarm.ActionsEnabled !== undefined ? { actionsEnabled: alarm.ActionsEnabled } : {}),
      ...(alarm.StateValue === 'ALARM' && transitioned ? { inAlarmSince: new Date(transitioned).toISOString() } : {}),
    };
  }
}
