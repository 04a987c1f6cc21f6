import { findEnvironment, UnknownEnvironmentError, type EnvironmentConfig, type RollbackConfig } from '../config';
import type { InboundEvent } from '../events/inbound-event';
import type { RollbackLevel, RollbackTrigger, TimelineStep } from '../history/deployment-record';
import { routeAlarm } from './alarm-routing';
import type { RunMode } from './run-progress';

/** Everything a run needs to know about why it runs, resolved from the inbound event. */
export interface RunContext {
  environment: EnvironmentConfig;
  mode: RunMode;
  /** Stable across retries of the same event: the claim and the drill record are keyed on it. */
  runId: string;
  trigger: RollbackTrigger;
  alarmFiredAt?: string;
  targetVersion?: string;
  reason: string;
}

export type RunOutcome = 'rolled_back' | 'rollback_failed' | 'duplicate' | 'ignored' | 'rejected' | 'skipped';

/** What the orchestrator returns and `rollbackctl --json` prints. */
export interface RollbackRunResult {
  outcome: RunOutcome;
  level?: RollbackLevel;
  drill: boolean;
  reason?: string;
  environment?: string;
  deploymentId?: string;
  fromVersion?: string;
  toVersion?: string;
  timeline: TimelineStep[];
  durationMs: number;
}

export type ResolvedRequest = { ok: true; context: RunContext } | { ok: false; outcome: 'ignored' | 'rejected'; reason: string };

function environmentOrRejection(config: RollbackConfig, name: string): EnvironmentConfig | string {
  try {
    return findEnvironment(config, name);
  } catch (error) {
    if (error instanceof UnknownEnvironmentError) return error.message;
    throw error;
  }
}

/** Which environment, which mode, which run id — or why there is nothing to do. Pure. */
export function resolveRequest(inbound: InboundEvent, config: RollbackConfig, invocationId: string): ResolvedRequest {
  switch (inbound.kind) {
    case 'alarm': {
      const routing = routeAlarm(config, inbound.event);
      if (!routing.act) return { ok: false, outcome: 'ignored', reason: routing.reason };
      const { alarmName, state } = inbound.event.detail;
      return {
        ok: true,
        context: {
          environment: routing.environment,
          mode: 'automatic',
          runId: inbound.event.id,
          trigger: { type: 'alarm', alarmName, eventId: inbound.event.id },
          alarmFiredAt: state.timestamp,
          reason: `alarm ${alarmName}: ${state.reason || 'in ALARM'}`.slice(0, 500),
        },
      };
    }
    case 'manual':
    case 'drill': {
      const { request } = inbound;
      const environment = environmentOrRejection(config, request.environment);
      if (typeof environment === 'string') return { ok: false, outcome: 'rejected', reason: environment };
      const runId = request.requestId ?? invocationId;
      if (inbound.kind === 'manual') {
        const { targetVersion, requestedBy, reason } = inbound.request;
        return {
          ok: true,
          context: { environment, mode: 'manual', runId, trigger: { type: 'manual', requestedBy }, targetVersion, reason: `manual rollback by ${requestedBy}: ${reason}` },
        };
      }
      const alarmName = inbound.request.alarmName ?? `${environment.alarms.prefixes[0]}drill`;
      return {
        ok: true,
        context: {
          environment,
          mode: 'drill',
          runId,
          trigger: { type: 'drill', alarmName, requestedBy: request.requestedBy },
          reason: `drill by ${request.requestedBy} (pretending alarm ${alarmName} fired)`,
        },
      };
    }
    default: {
      const exhaustive: never = inbound;
      throw new Error(`unhandled inbound event ${JSON.stringify(exhaustive)}`);
    }
  }
}
