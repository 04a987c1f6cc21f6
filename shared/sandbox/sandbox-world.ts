import type { EnvironmentConfig } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { SandboxTraffic } from '../targets/target-plugin';
import type { Clock } from '../time/clock';
import type { AlarmShape } from '../validation/alarm-recovery';

/** Scripted faults of a sandbox scenario; each one is explicit and printed with the drill. */
export interface SandboxFaults {
  /** Versions that make an environment's alarms fire while it runs them. */
  badVersions: string[];
  /** While any environment still runs one of these, every environment's alarms fire (a shared dependency). */
  contagiousVersions?: string[];
  /** Nothing a rollback does clears the alarms (the cause is elsewhere). */
  alarmsNeverClear?: boolean;
  /** Restores of traffic targets in these environments fail, as an UpdateAlias AccessDenied would. */
  restoreFailsIn?: string[];
  /** These target types refuse to restore (as CodePipeline refusing RollbackStage would). */
  refusingTargets?: string[];
  /** A fault a target's twin scripts itself, by target type, in words ("a change set replaces table Orders"). */
  targetFaults?: Record<string, string>;
  /** How long alarms take to clear after the cause is gone (CloudWatch evaluates periods, not instants). */
  recoveryMs: number;
  /** How the sandbox's alarms evaluate (default SANDBOX_ALARM_SHAPE): the validator reads their recovery window from it. */
  alarmShape?: AlarmShape;
  /** The alarms' actions are disabled (ActionsEnabled false): the controller must not act on them. */
  alarmActionsDisabled?: boolean;
  /** The alarms have been in ALARM since this time (before the bad release was deployed, in the alarm-before-deploy scenario). */
  alarmInAlarmSince?: string;
  /** Nobody calls the service: the alarms go quiet with no datapoints and the functions see no invocations. */
  noTraffic?: boolean;
  /** The health endpoint answers 200 whatever runs (a shallow health check): only the alarms' data tells. */
  shallowHealth?: boolean;
}

/** The sandbox's alarms count errors per period: ALARM at one or more. */
export const SANDBOX_ERROR_THRESHOLD = 1;
/** Invocations per minute a sandbox function serves (none with `noTraffic`), and errors among them while it runs something bad. */
export const SANDBOX_INVOCATIONS_PER_MINUTE = 600;
export const SANDBOX_ERRORS_WHILE_FAULTY = 60;
/** The known good's own errors per minute before the bad release: 0.2%. */
export const SANDBOX_BASELINE_ERRORS_PER_MINUTE = 1;

/** 10 s periods, 2 of 3 datapoints: a 30 s recovery window, longer than the scenarios' 25 s recovery. */
export const SANDBOX_ALARM_SHAPE: AlarmShape = { periodSeconds: 10, evaluationPeriods: 3, datapointsToAlarm: 2 };

/** One target's simulated state in one sandbox environment: what its twin reads and writes. */
export class SandboxSlot<Value> {
  value: Value | undefined;
  #issued = 0;

  constructor(readonly environment: string) {}

  /** A fresh id, as AWS hands one out for a rollback execution or a deployment. */
  nextId(kind: string): string {
    this.#issued += 1;
    return `sandbox-${kind}-${this.environment}-${this.#issued}`;
  }
}

interface EnvironmentState {
  config: EnvironmentConfig;
  version: string;
  /** Each version it ran, from when: datapoints are computed from what ran during each period. */
  versions: { from: number; version: string }[];
  slots: Map<string, SandboxSlot<unknown>>;
  /** When the environment stopped running a bad version (alarms clear recoveryMs later). */
  healedAt?: number;
}

/**
 * A simulated set of environments — each target's live state, the version running, alarms and
 * health — in local state, driven by the same restores the AWS targets make. Alarms and health
 * follow the faults.
 */
export class SandboxWorld {
  readonly #environments = new Map<string, EnvironmentState>();
  /** Alarms outside every prefix (routed by their environment tag), by name. */
  readonly #taggedAlarms = new Map<string, string>();
  /** Every restore that took effect, in order: what the drill changed. */
  readonly restores: { environment: string; target: string; to: string }[] = [];

  constructor(
    readonly faults: SandboxFaults,
    private readonly clock: Clock,
  ) {}

  /** Puts an environment on a deployment as if its pipeline had just deployed it: each target holds its restore point. */
  deploy(environment: EnvironmentConfig, deployment: DeploymentRecord): void {
    const slots = new Map<string, SandboxSlot<unknown>>();
    for (const target of environment.targets) {
      const slot = new SandboxSlot<unknown>(environment.name);
      slot.value = deployment.restorePoints?.[target.type];
      slots.set(target.type, slot);
    }
    this.#environments.set(environment.name, { config: environment, version: deployment.version, versions: [{ from: Number.NEGATIVE_INFINITY, version: deployment.version }], slots });
  }

  /** The state a target's twin keeps in an environment (an empty one for an environment nothing deployed to). */
  slot<Value>(environment: string, targetType: string): SandboxSlot<Value> {
    const state = this.#environments.get(environment);
    if (!state) return new SandboxSlot<Value>(environment);
    let slot = state.slots.get(targetType);
    if (!slot) {
      slot = new SandboxSlot<unknown>(environment);
      state.slots.set(targetType, slot);
    }
    return slot as SandboxSlot<Value>;
  }

  versionOf(environment: string): string | undefined {
    return this.#environments.get(environment)?.version;
  }

  /**
   * A traffic target in the environment now serves `version`. Alarms evaluate over periods:
   * whatever this fixed clears recoveryMs later, in every environment (a contagious version
   * leaving one environment may heal the others).
   */
  trafficRestored(environment: string, target: string, version: string): void {
    const state = this.#environments.get(environment);
    if (!state) return;
    this.restores.push({ environment, target, to: version });
    state.version = version;
    const now = this.clock.now().getTime();
    state.versions.push({ from: now, version });
    for (const other of this.#environments.values()) other.healedAt = now;
  }

  /** Runs something bad now (health answers 500): unlike alarms, health does not lag the fix. */
  isFaulty(environment: string): boolean {
    if (this.faults.alarmsNeverClear) return true;
    if (this.faults.badVersions.includes(this.#environments.get(environment)?.version ?? '')) return true;
    const contagious = this.faults.contagiousVersions ?? [];
    return [...this.#environments.values()].some((state) => contagious.includes(state.version));
  }

  /** Whether the environment ran something bad at `at`, by what every environment ran then. */
  wasFaultyAt(environment: string, at: number): boolean {
    const versionAt = (state: EnvironmentState) => state.versions.findLast((entry) => entry.from <= at)?.version ?? state.version;
    if (this.faults.alarmsNeverClear) return true;
    const own = this.#environments.get(environment);
    if (own && this.faults.badVersions.includes(versionAt(own))) return true;
    const contagious = this.faults.contagiousVersions ?? [];
    return [...this.#environments.values()].some((state) => contagious.includes(versionAt(state)));
  }

  /** Whether it ran something bad at any moment of [from, to): at the start, or after any change within. */
  wasFaultyDuring(environment: string, from: number, to: number): boolean {
    const changes = [...this.#environments.values()].flatMap((state) => state.versions.map((entry) => entry.from)).filter((at) => at > from && at < to);
    return [from, ...changes].some((at) => this.wasFaultyAt(environment, at));
  }

  /** The version an environment ran at `at`. */
  versionAt(environment: string, at: number): string | undefined {
    const state = this.#environments.get(environment);
    return state?.versions.findLast((entry) => entry.from <= at)?.version ?? state?.version;
  }

  /** The environment's traffic, minute by minute: invocations unless there is none, errors while it ran something bad. */
  trafficOf(environment: string): SandboxTraffic {
    const minute = 60_000;
    return {
      between: (from, to) => {
        if (this.faults.noTraffic) return { invocations: 0, errors: 0 };
        let invocations = 0;
        let errors = 0;
        // Minute by minute, each part of a minute in [from, to) at its share of the minute's rates.
        for (let start = Math.floor(from / minute) * minute; start < to; start += minute) {
          const part = Math.min(start + minute, to) - Math.max(start, from);
          const share = part / minute;
          invocations += Math.round(SANDBOX_INVOCATIONS_PER_MINUTE * share);
          errors += Math.round((this.wasFaultyDuring(environment, Math.max(start, from), Math.min(start + minute, to)) ? SANDBOX_ERRORS_WHILE_FAULTY : SANDBOX_BASELINE_ERRORS_PER_MINUTE) * share);
        }
        return { invocations, errors };
      },
      baseline: () => ({ invocations: 60 * SANDBOX_INVOCATIONS_PER_MINUTE, errors: 60 * SANDBOX_BASELINE_ERRORS_PER_MINUTE }),
    };
  }

  /** ALARM while faulty, and for recoveryMs after the cause went away. */
  isAlarming(environment: string): boolean {
    if (this.isFaulty(environment)) return true;
    const healedAt = this.#environments.get(environment)?.healedAt;
    return healedAt !== undefined && this.clock.now().getTime() < healedAt + this.faults.recoveryMs;
  }

  /** An alarm that belongs to an environment by its tag rather than its name. */
  tagAlarm(alarmName: string, environment: string): void {
    this.#taggedAlarms.set(alarmName, environment);
  }

  /** The environment an alarm name belongs to: by a prefix, else by its tag. */
  environmentOfAlarm(alarmName: string): string | undefined {
    return this.#environmentWhere((state) => state.config.alarms.prefixes.some((prefix) => alarmName.startsWith(prefix))) ?? this.#taggedAlarms.get(alarmName);
  }

  alarmNameFor(environment: string): string {
    return `${this.#environments.get(environment)?.config.alarms.prefixes[0] ?? environment}api-5xx`;
  }

  #environmentWhere(matches: (state: EnvironmentState) => boolean): string | undefined {
    return [...this.#environments.values()].find(matches)?.config.name;
  }

  environmentWithPrefix(prefix: string): string | undefined {
    return this.#environmentWhere((state) => state.config.alarms.prefixes.includes(prefix));
  }

  environmentWithUrl(url: string): string | undefined {
    return this.#environmentWhere((state) => state.config.healthChecks.some((check) => check.url === url));
  }
}
