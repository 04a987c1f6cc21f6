import type { z } from 'zod';
import { describeIssues } from '../config/load-config';
import { alarmStateChangeSchema, OTHER_ALARM_DETAIL_TYPES, type AlarmStateChangeEvent } from './alarm-event';

const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';
import { deployFailureRequestSchema, drillRequestSchema, manualRollbackRequestSchema, type DeployFailureRequest, type DrillRequest, type ManualRollbackRequest } from './rollback-request';

export type InboundEvent =
  | { kind: 'alarm'; event: AlarmStateChangeEvent }
  | { kind: 'manual'; request: ManualRollbackRequest }
  | { kind: 'drill'; request: DrillRequest }
  | { kind: 'deploy_failure'; request: DeployFailureRequest }
  /** The schedule: find runs whose lease ran out unfinished, and resume or escalate them. */
  | { kind: 'reconcile' };

/** What a hand-written event may leave out, filled from the invocation. */
export interface InboundDefaults {
  /** Stands in for a missing event id: stable across Lambda's own retries of the invocation. */
  invocationId: string;
  now: Date;
}

export type ParsedInbound =
  | { ok: true; inbound: InboundEvent }
  /** Not ours to act on, and well-formed: e.g. an alarm configuration change. */
  | { ok: false; outcome: 'ignored'; reason: string }
  /** Malformed: the reason names the field. */
  | { ok: false; outcome: 'rejected'; reason: string };

function rejected(what: string, error: z.ZodError): ParsedInbound {
  return { ok: false, outcome: 'rejected', reason: `${what}: ${describeIssues(error).join('; ')}` };
}

/**
 * A runbook's hand-written test event names only the alarm and its state: a person invoking the
 * Lambda with it expects it to act. The id defaults to the invocation's, the times to now.
 */
function withAlarmDefaults(candidate: Record<string, unknown>, defaults: InboundDefaults): Record<string, unknown> {
  // Only a missing time is filled in: one of another type is rejected by the schema, never replaced.
  const time = candidate.time === undefined ? defaults.now.toISOString() : candidate.time;
  const detail = candidate.detail;
  const state = typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>).state : undefined;
  const filledDetail =
    typeof state === 'object' && state !== null && !Array.isArray(state) && (state as Record<string, unknown>).timestamp === undefined
      ? { ...(detail as Record<string, unknown>), state: { ...state, timestamp: time } }
      : detail;
  return { ...candidate, id: candidate.id ?? defaults.invocationId, time, detail: filledDetail };
}

/**
 * Turns whatever invoked the orchestrator into a typed event, or says why not. Never throws:
 * a throw would make Lambda retry an event that can never succeed.
 */
export function parseInbound(raw: unknown, defaults: InboundDefaults): ParsedInbound {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, outcome: 'rejected', reason: 'event: expected a JSON object' };
  }
  const candidate = raw as Record<string, unknown>;
  const detailType = candidate['detail-type'];
  const isAlarmStateChange = candidate.source === 'aws.cloudwatch' && (detailType === ALARM_STATE_CHANGE || detailType === undefined);
  if (candidate.source === 'aws.cloudwatch' && (OTHER_ALARM_DETAIL_TYPES as readonly unknown[]).includes(detailType)) {
    return { ok: false, outcome: 'ignored', reason: `"${String(detailType)}" is not a state change` };
  }
  // The reconciler's schedule: its own input, or a plain EventBridge scheduled event sent here.
  if (candidate.action === 'reconcile' || (candidate.source === 'aws.events' && detailType === 'Scheduled Event')) {
    return { ok: true, inbound: { kind: 'reconcile' } };
  }
  // A well-formed EventBridge event of another kind is not broken input: it is not for this function.
  if (!isAlarmStateChange && candidate.action === undefined && typeof candidate.source === 'string' && typeof detailType === 'string' && 'detail' in candidate) {
    return { ok: false, outcome: 'ignored', reason: `"${detailType.slice(0, 128)}" from ${candidate.source.slice(0, 128)} is not an alarm state change or a request: not for this function` };
  }
  if (candidate.source === 'aws.cloudwatch') {
    const parsed = alarmStateChangeSchema.safeParse(withAlarmDefaults(candidate, defaults));
    return parsed.success ? { ok: true, inbound: { kind: 'alarm', event: parsed.data } } : rejected('alarm event', parsed.error);
  }
  switch (candidate.action) {
    case 'rollback': {
      const parsed = manualRollbackRequestSchema.safeParse(raw);
      return parsed.success ? { ok: true, inbound: { kind: 'manual', request: parsed.data } } : rejected('rollback request', parsed.error);
    }
    case 'drill': {
      const parsed = drillRequestSchema.safeParse(raw);
      return parsed.success ? { ok: true, inbound: { kind: 'drill', request: parsed.data } } : rejected('drill request', parsed.error);
    }
    case 'deploy_failed': {
      const parsed = deployFailureRequestSchema.safeParse(raw);
      return parsed.success ? { ok: true, inbound: { kind: 'deploy_failure', request: parsed.data } } : rejected('deploy failure request', parsed.error);
    }
    default:
      return {
        ok: false,
        outcome: 'rejected',
        reason: 'event: expected a CloudWatch alarm state change (source "aws.cloudwatch") or a request with action "rollback", "drill", "deploy_failed" or "reconcile"',
      };
  }
}
