import type { EnvironmentConfig } from '../config';
import type { DeploymentRecord } from '../history/deployment-record';
import type { Clock } from '../time/clock';

/** Scripted faults of a sandbox scenario; each one is explicit and printed with the drill. */
export interface SandboxFaults {
  /** Versions that make an environment's alarms fire while it runs them. */
  badVersions: string[];
  /** While any environment still runs one of these, every environment's alarms fire (a shared dependency). */
  contagiousVersions?: string[];
  /** Nothing a rollback does clears the alarms (the cause is elsewhere). */
  alarmsNeverClear?: boolean;
  /** Restores in these environments fail, as an UpdateAlias AccessDenied would. */
  restoreFailsIn?: string[];
  /** How long alarms take to clear after the cause is gone (CloudWatch evaluates periods, not instants). */
  recoveryMs: number;
}

interface EnvironmentState {
  config: EnvironmentConfig;
  version: string;
  aliases: Map<string, string>;
  stageExecution: string;
  /** When the environment stopped running a bad version (alarms clear recoveryMs later). */
  healedAt?: number;
}

/**
 * A simulated set of environments — Lambda aliases, pipeline stage, alarms, health — in local state,
 * driven by the same restores the AWS targets make. Alarm and health answers follow the faults.
 */
export class SandboxWorld {
  readonly #environments = new Map<string, EnvironmentState>();
  /** Alarms outside every prefix (routed by their environment tag), by name. */
  readonly #taggedAlarms = new Map<string, string>();
  readonly restores: { environment: string; from: string; to: string }[] = [];

  constructor(
    readonly faults: SandboxFaults,
    private readonly clock: Clock,
  ) {}

  /** Puts an environment on a deployment as if its pipeline had just deployed it. */
  deploy(environment: EnvironmentConfig, deployment: DeploymentRecord): void {
    this.#environments.set(environment.name, {
      config: environment,
      version: deployment.version,
      aliases: new Map(Object.entries(deployment.lambdaVersions ?? {})),
      stageExecution: deployment.pipeline?.executionId ?? `sandbox-exec-${deployment.deploymentId}`,
    });
  }

  versionOf(environment: string): string | undefined {
    return this.#environments.get(environment)?.version;
  }

  restore(environment: string, to: DeploymentRecord): { aliasMoves: string[]; pipelineExecutionId: string } {
    const state = this.#require(environment);
    if (this.faults.restoreFailsIn?.includes(environment)) {
      throw new Error(`AccessDeniedException: not authorized to perform lambda:UpdateAlias in ${environment} (sandbox fault)`);
    }
    const aliasMoves = Object.entries(to.lambdaVersions ?? {}).map(([name, version]) => {
      const move = `${name} ${state.aliases.get(name) ?? '?'}->${version}`;
      state.aliases.set(name, version);
      return move;
    });
    this.restores.push({ environment, from: state.version, to: to.version });
    state.version = to.version;
    state.stageExecution = `sandbox-rollback-${this.restores.length}`;
    // Alarms evaluate over periods: whatever a restore fixed clears recoveryMs later, in every
    // environment (a contagious version leaving one environment may heal the others).
    const now = this.clock.now().getTime();
    for (const other of this.#environments.values()) other.healedAt = now;
    return { aliasMoves, pipelineExecutionId: state.stageExecution };
  }

  #require(environment: string): EnvironmentState {
    const state = this.#environments.get(environment);
    if (!state) throw new Error(`sandbox has no environment ${environment}`);
    return state;
  }

  #isFaulty(environment: string): boolean {
    if (this.faults.alarmsNeverClear) return true;
    if (this.faults.badVersions.includes(this.#require(environment).version)) return true;
    const contagious = this.faults.contagiousVersions ?? [];
    return [...this.#environments.values()].some((state) => contagious.includes(state.version));
  }

  /** ALARM while faulty, and for recoveryMs after the cause went away. */
  isAlarming(environment: string): boolean {
    if (this.#isFaulty(environment)) return true;
    const healedAt = this.#require(environment).healedAt;
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
    return `${this.#require(environment).config.alarms.prefixes[0]}api-5xx`;
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

  environmentWithFunction(functionName: string): string | undefined {
    return this.#environmentWhere((state) => state.aliases.has(functionName) || state.config.lambda?.functions.includes(functionName) === true);
  }

  environmentWithStage(pipelineName: string, stageName: string): string | undefined {
    return this.#environmentWhere((state) => state.config.pipeline?.name === pipelineName && state.config.pipeline.stage === stageName);
  }

  aliasVersion(functionName: string): string | undefined {
    const environment = this.environmentWithFunction(functionName);
    return environment ? this.#environments.get(environment)!.aliases.get(functionName) : undefined;
  }

  stageExecutionOf(environment: string): string {
    return this.#require(environment).stageExecution;
  }
}
