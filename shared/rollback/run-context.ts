import { findEnvironment, UnknownEnvironmentError, type EnvironmentConfig, type RollbackConfig } from '../config';
import type { InboundEvent } from '../events/inbound-event';
import type { VerifiedCaller } from '../events/request-entry';
import type { RollbackTrigger } from '../history/deployment-record';
import type { JournalStep, NotificationDelivery, RollbackLevel, RunMode } from '../history/run-journal';
import { routeAlarm } from './alarm-routing';

/** Everything a run needs to know about why it runs, resolved from the inbound event. */
export interface RunContext {
  environment: EnvironmentConfig;
  mode: RunMode;
  /** Stable across retries of the same event: the claim and the drill record are keyed on it. */
  runId: string;
  trigger: RollbackTrigger;
  alarmFiredAt?: string;
  /** Since when the alarm has been in ALARM, from the event (earlier than `alarmFiredAt` when it was already in ALARM before). */
  alarmInAlarmSince?: string;
  /** ALARM → ALARM: never acted on; only announced when it shows the alarm predates the live deployment. */
  alarmStillInAlarm?: boolean;
  /** The environment's alarm rule (its match) that makes this alarm announced, never acted on. */
  notifyOnly?: string;
  /** The alarm that fired, watched by name during validation (routed by its tag, it matches no prefix). */
  alarmName?: string;
  targetVersion?: string;
  reason: string;
  /** A failed deploy: roll back only this deployment, and only while it is live. */
  expectedActive?: string;
  /** A person rolls back past a deployment recorded irreversible. */
  force?: boolean;
}

/** observed: observe mode said what it would have done, and did nothing. */
/** observed: observe mode said what it would have done, and did nothing. unverified: restored, but no evidence showed it recovered (the restore stays). */
export type RunOutcome = 'rolled_back' | 'rollback_failed' | 'unverified' | 'handed_over' | 'observed' | 'duplicate' | 'ignored' | 'rejected' | 'skipped' | 'reconciled' | 'drilled';

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
  /** The run this answer belongs to (the event or request id that claimed it). */
  runId?: string;
  /** This run's journal steps. */
  timeline: JournalStep[];
  /** Who drove the run: automatic ones count toward the hourly limit (and its self-alarm). */
  mode?: RunMode;
  durationMs: number;
  /** How the outcome reached people, when it was announced in this invocation. */
  notification?: { type: string; severity: string; delivery: NotificationDelivery };
  /** The reconciler: what each run it resumed came to. */
  runs?: RollbackRunResult[];
  /** A duplicate that is this very request, driven by another invocation now: ask again later (same request id) for its outcome. */
  inFlight?: boolean;
  /**
   * This invocation ended the run (wrote its status change): only it counts the rollback in the
   * metrics, never a resume that retries the announcement or a retry answered from the record.
   */
  completedHere?: boolean;
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
export function resolveRequest(inbound: Exclude<InboundEvent, { kind: 'reconcile' }>, config: RollbackConfig, invocationId: string, caller?: VerifiedCaller): ResolvedRequest {
  // Kept beside the name a request gives: who Lambda verified sent it (through the request URL).
  const verified = caller ? { verifiedBy: caller.arn } : {};
  switch (inbound.kind) {
    case 'alarm': {
      const routing = routeAlarm(config, inbound.event);
      if (!routing.act) return { ok: false, outcome: 'ignored', reason: routing.reason };
      const { alarmName, state, previousState } = inbound.event.detail;
      // A change that leaves the alarm in ALARM (its previous state was ALARM too) says it has been there since then.
      const inAlarmSince = routing.stillInAlarm && previousState?.timestamp !== undefined && previousState.timestamp < state.timestamp ? previousState.timestamp : state.timestamp;
      return {
        ok: true,
        context: {
          environment: routing.environment,
          mode: 'automatic',
          runId: inbound.event.id,
          trigger: { type: 'alarm', alarmName, eventId: inbound.event.id },
          alarmFiredAt: state.timestamp,
          alarmInAlarmSince: inAlarmSince,
          ...(routing.stillInAlarm ? { alarmStillInAlarm: true } : {}),
          ...(routing.notifyOnly ? { notifyOnly: routing.notifyOnly } : {}),
          alarmName,
          reason: `alarm ${alarmName}: ${state.reason || 'in ALARM'}`.slice(0, 500),
        },
      };
    }
    case 'deploy_failure': {
      const { request } = inbound;
      const environment = environmentOrRejection(config, request.environment);
      if (typeof environment === 'string') return { ok: false, outcome: 'rejected', reason: environment };
      if (!environment.rollbackOnDeployFailure) {
        return { ok: false, outcome: 'ignored', reason: `${environment.name} does not roll back failed deploys ("rollbackOnDeployFailure" is off): ${request.deploymentId} left as it is` };
      }
      return {
        ok: true,
        context: {
          environment,
          mode: 'automatic',
          runId: request.requestId ?? invocationId,
          trigger: { type: 'deploy_failure', requestedBy: request.requestedBy, ...verified },
          reason: `deploy ${request.deploymentId} failed after it moved traffic (reported by ${request.requestedBy})`,
          expectedActive: request.deploymentId,
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
        const { targetVersion, requestedBy, reason, force } = inbound.request;
        return {
          ok: true,
          context: {
            environment,
            mode: 'manual',
            runId,
            trigger: { type: 'manual', requestedBy, ...verified },
            targetVersion,
            reason: `manual rollback by ${requestedBy}${force ? ' (forced past irreversible deployments)' : ''}: ${reason}`,
            ...(force ? { force } : {}),
          },
        };
      }
      const named = inbound.request.alarmName;
      const alarmName = named ?? `${environment.alarms.prefixes[0]}drill`;
      return {
        ok: true,
        context: {
          environment,
          mode: 'drill',
          runId,
          trigger: { type: 'drill', alarmName, requestedBy: request.requestedBy, ...verified },
          // Only a real alarm the drill names is worth watching; the default name is made up.
          ...(named ? { alarmName: named } : {}),
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
