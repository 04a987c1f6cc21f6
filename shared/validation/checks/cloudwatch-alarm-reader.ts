import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmObservation, AlarmReader, AlarmSelection } from './check-ports';

/** DescribeAlarms accepts at most 100 names per call. */
const NAMES_PER_CALL = 100;

/** DescribeAlarms per prefix and per hundred names, metric and composite alike, every page; each alarm once. */
export class CloudWatchAlarmReader implements AlarmReader {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async readAlarms(selection: AlarmSelection): Promise<AlarmObservation[]> {
    const nameBatches: string[][] = [];
    for (let start = 0; start < selection.names.length; start += NAMES_PER_CALL) nameBatches.push(selection.names.slice(start, start + NAMES_PER_CALL));
    const pages = await Promise.all([
      ...selection.prefixes.map((prefix) => this.#all({ AlarmNamePrefix: prefix })),
      ...nameBatches.map((names) => this.#all({ AlarmNames: names })),
    ]);
    const byName = new Map(pages.flat().map((alarm) => [alarm.name, alarm]));
    return [...byName.values()];
  }

  async #all(filter: { AlarmNamePrefix: string } | { AlarmNames: string[] }): Promise<AlarmObservation[]> {
    const alarms: AlarmObservation[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.cloudWatch.send(new DescribeAlarmsCommand({ ...filter, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: nextToken }));
      for (const alarm of page.MetricAlarms ?? []) {
        alarms.push({ name: alarm.AlarmName ?? '?', type: 'metric', state: alarm.StateValue ?? 'INSUFFICIENT_DATA', reason: alarm.StateReason ?? '' });
      }
      for (const alarm of page.CompositeAlarms ?? []) {
        alarms.push({ name: alarm.AlarmName ?? '?', type: 'composite', state: alarm.StateValue ?? 'INSUFFICIENT_DATA', reason: alarm.StateReason ?? '' });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return alarms;
  }
}
