import type { z } from 'zod';
import { describeIssues } from '../config/load-config';
import { alarmStateChangeSchema, OTHER_ALARM_DETAIL_TYPES, type AlarmStateChangeEvent } from './alarm-event';
import { drillRequestSchema, manualRollbackRequestSchema, type DrillRequest, type ManualRollbackRequest } from './rollback-request';

export type InboundEvent =
  | { kind: 'alarm'; event: AlarmStateChangeEvent }
  | { kind: 'manual'; request: ManualRollbackRequest }
  | { kind: 'drill'; request: DrillRequest };

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
 * Turns whatever invoked the orchestrator into a typed event, or says why not. Never throws:
 * a throw would make Lambda retry an event that can never succeed.
 */
export function parseInbound(raw: unknown): ParsedInbound {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, outcome: 'rejected', reason: 'event: expected a JSON object' };
  }
  const candidate = raw as Record<string, unknown>;
  if (candidate.source === 'aws.cloudwatch') {
    const detailType = candidate['detail-type'];
    if ((OTHER_ALARM_DETAIL_TYPES as readonly unknown[]).includes(detailType)) {
      return { ok: false, outcome: 'ignored', reason: `"${String(detailType)}" is not a state change` };
    }
    const parsed = alarmStateChangeSchema.safeParse(raw);
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
    default:
      return {
        ok: false,
        outcome: 'rejected',
        reason: 'event: expected a CloudWatch alarm state change (source "aws.cloudwatch") or a request with action "rollback" or "drill"',
      };
  }
}
