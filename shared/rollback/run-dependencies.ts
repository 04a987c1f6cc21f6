import type { RollbackConfig } from '../config';
import type { HistoryPorts } from '../history/dynamo-history';
import type { JournalStep } from '../history/run-journal';
import type { Notifier } from '../notify/notifier';
import type { TargetDrivers } from '../targets/target-drivers';
import type { TargetLocation } from '../targets/target-plugin';
import type { Clock } from '../time/clock';
import type { Validator } from '../validation/validation-contract';

/** The few logger methods the run uses (Powertools Logger satisfies it). */
export interface RunLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** What the orchestrator reads of the alarm that fired, alongside the history (undefined fields: it cannot tell). */
export interface AlarmFacts {
  /** False: the operator disabled its actions, so the controller does not act on it either. */
  actionsEnabled?: boolean;
  /** While it is in ALARM: when it last went into ALARM (StateTransitionedTimestamp). */
  inAlarmSince?: string;
}

/** Reads the alarm that fired (undefined: it is gone). */
export interface AlarmActionsReader {
  /** `location`: the environment's region and role, when it lives in another account or region (the alarm is read there). */
  read(alarmName: string, location?: TargetLocation): Promise<AlarmFacts | undefined>;
}

/** Every port a rollback run uses; the handler (or the local drill, or a test) wires them. */
export interface RollbackDependencies {
  config: RollbackConfig;
  history: HistoryPorts;
  /** The live side of every target type (AWS, or the sandbox); each environment's configured targets are restored through them. */
  targets: TargetDrivers;
  validator: Validator;
  notifier: Notifier;
  /** Alarms whose actions are disabled are not acted on (read alongside the history, never before it). */
  alarms?: AlarmActionsReader;
  clock: Clock;
  logger: RunLogger;
  /** What is left of the invocation's time; bounds validation, and a run hands over before it runs out. */
  remainingTimeMs(): number;
  /** Told each step as it is journaled (the local drill prints them live). */
  onStep?(step: JournalStep): void;
}
