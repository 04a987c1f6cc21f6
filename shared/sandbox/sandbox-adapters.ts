import type { Delivery, Notifier, RollbackNotification } from '../notify/notifier';
import type { AlarmActionsReader } from '../rollback/run-dependencies';
import type { AnyTargetDriver, TargetDrivers } from '../targets/target-drivers';
import { targetPlugin } from '../targets/target-registry';
import type { AlarmObservation, CheckPorts } from '../validation/checks/check-ports';
import { describeShape, recoveryWindowMs } from '../validation/alarm-recovery';
import { SANDBOX_ALARM_SHAPE, SANDBOX_ERROR_THRESHOLD, type SandboxWorld } from './sandbox-world';

/**
 * Each target's sandbox twin, with the world's scripted faults around it: a traffic target restored
 * in an environment changes the version it runs (and so its alarms); a faulty environment or a
 * refusing target fails as AWS would.
 */
export function sandboxTargetDrivers(world: SandboxWorld): TargetDrivers {
  const drivers = new Map<string, AnyTargetDriver>();
  return {
    driverFor(type, environment) {
      const key = `${environment}|${type}`;
      const existing = drivers.get(key);
      if (existing) return existing;
      const plugin = targetPlugin(type);
      const fault = world.faults.targetFaults?.[type];
      const twin = plugin.sandbox({ environment, slot: world.slot(environment, type), traffic: world.trafficOf(environment), ...(fault ? { fault } : {}) });
      const driver: AnyTargetDriver = {
        async restore(request) {
          if (!request.simulate && plugin.movesTraffic && world.faults.restoreFailsIn?.includes(environment)) {
            return { outcome: 'failed', detail: `AccessDeniedException: not authorized to restore the ${plugin.title} in ${environment} (sandbox fault)` };
          }
          if (!request.simulate && world.faults.refusingTargets?.includes(type)) {
            return { outcome: 'failed', detail: `${plugin.title} refused the restore: UnableToRollbackStageException (sandbox fault)` };
          }
          const result = await twin.restore(request);
          if (!request.simulate && plugin.movesTraffic && (result.outcome === 'restored' || result.outcome === 'unchanged')) world.trafficRestored(environment, type, request.toVersion);
          return result;
        },
        check: (config, expectation) => twin.check(config, expectation),
        ...(twin.evidence ? { evidence: twin.evidence.bind(twin) } : {}),
        capture: (config, hints) => twin.capture(config, hints),
        readiness: (config, point) => twin.readiness(config, point),
      };
      drivers.set(key, driver);
      return driver;
    },
  };
}

/** The validator's ports over the sandbox: the real validator code judges simulated evidence. */
export function sandboxCheckPorts(world: SandboxWorld): CheckPorts {
  return {
    alarms: {
      async readAlarms({ prefixes, names }) {
        const shape = world.faults.alarmShape ?? SANDBOX_ALARM_SHAPE;
        const observe = (name: string, environment: string): AlarmObservation => {
          const alarming = world.isAlarming(environment);
          return {
            name,
            type: 'metric',
            state: alarming ? 'ALARM' : 'OK',
            reason: alarming ? 'Threshold Crossed (sandbox)' : '',
            recoveryWindowMs: recoveryWindowMs(shape),
            shape: describeShape(shape),
            // Errors per period, ALARM at one or more on M of N: its datapoints come from what ran in each period.
            dataPlan: {
              kind: 'datapoints',
              rule: { name, threshold: SANDBOX_ERROR_THRESHOLD, comparison: 'GreaterThanOrEqualToThreshold', ...shape },
              queries: [{ Id: 'm', MetricStat: { Metric: { Namespace: 'Sandbox', MetricName: 'Errors', Dimensions: [{ Name: 'Environment', Value: environment }] }, Period: shape.periodSeconds, Stat: 'Sum' }, ReturnData: true }],
              resultId: 'm',
              separateCall: false,
            },
          };
        };
        const byPrefix = prefixes.flatMap((prefix) => {
          const environment = world.environmentWithPrefix(prefix);
          return environment ? [observe(world.alarmNameFor(environment), environment)] : [];
        });
        const byName = names.flatMap((name) => {
          const environment = world.environmentOfAlarm(name);
          return environment ? [observe(name, environment)] : [];
        });
        return [...new Map([...byPrefix, ...byName].map((alarm) => [alarm.name, alarm])).values()];
      },
    },
    metrics: {
      async read(requests, window) {
        const shape = world.faults.alarmShape ?? SANDBOX_ALARM_SHAPE;
        const periodMs = shape.periodSeconds * 1_000;
        const start = Math.floor(window.start.getTime() / periodMs) * periodMs;
        const end = window.end.getTime();
        return new Map(
          requests.map((request) => {
            const environment = world.environmentOfAlarm(request.key);
            if (!environment || world.faults.noTraffic) return [request.key, []];
            const points = [];
            for (let at = start; at < end; at += periodMs) points.push({ at, value: world.wasFaultyDuring(environment, at, Math.min(at + periodMs, end)) ? SANDBOX_ERROR_THRESHOLD * 5 : 0 });
            return [request.key, points];
          }),
        );
      },
    },
    health: {
      async probe(check) {
        const environment = world.environmentWithUrl(check.url);
        if (!environment) return { url: check.url, error: 'ENOTFOUND (not in the sandbox)' };
        return { url: check.url, status: world.isFaulty(environment) && !world.faults.shallowHealth ? 500 : 200, version: world.versionOf(environment) };
      },
    },
    targets: sandboxTargetDrivers(world),
  };
}

/** Whether the sandbox's alarms have their actions enabled (a scenario may disable them), and since when one is in ALARM. */
export function sandboxAlarmActions(world: SandboxWorld): AlarmActionsReader {
  return {
    read: async (alarmName) => {
      const environment = world.environmentOfAlarm(alarmName);
      if (!environment) return undefined;
      const inAlarmSince = world.faults.alarmInAlarmSince;
      return { actionsEnabled: !world.faults.alarmActionsDisabled, ...(inAlarmSince && world.isAlarming(environment) ? { inAlarmSince } : {}) };
    },
  };
}

/** Keeps what would have been published, for the drill to print. */
export class RecordingNotifier implements Notifier {
  readonly published: RollbackNotification[] = [];

  async notify(notification: RollbackNotification): Promise<Delivery> {
    this.published.push(notification);
    return 'published';
  }
}
