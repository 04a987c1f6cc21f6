import { admitRequest, unwrapInvocation, type AdmissionRules } from '../events/request-entry';
import { runRollback } from './rollback-runner';
import type { RollbackRunResult } from './run-context';
import type { RollbackDependencies } from './run-dependencies';

/** What Lambda sends back to a function URL caller. */
export interface FunctionUrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The run's answer, and for a request through the URL the HTTP response that carries it. */
export interface InvocationAnswer {
  result: RollbackRunResult;
  response?: FunctionUrlResponse;
}

function asResponse(statusCode: number, result: RollbackRunResult): FunctionUrlResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
}

/**
 * Every invocation of the orchestrator: unwraps a request through the request URL (its body, and
 * the caller Lambda verified), admits it or says why not (changing nothing), then runs it. A
 * refusal is answered like any rejection: the reason names what to do instead.
 */
export async function answerInvocation(raw: unknown, invocationId: string, deps: RollbackDependencies, rules: AdmissionRules): Promise<InvocationAnswer> {
  const unwrapped = unwrapInvocation(raw);
  if (!unwrapped.ok) {
    deps.logger.warn('request refused', { reason: unwrapped.reason });
    const result: RollbackRunResult = { outcome: 'rejected', reason: unwrapped.reason, drill: false, timeline: [], durationMs: 0 };
    return { result, response: asResponse(unwrapped.statusCode, result) };
  }
  const { payload, entry } = unwrapped;
  const admission = admitRequest(payload, entry, rules);
  if (!admission.ok) {
    deps.logger.warn('request refused', { reason: admission.reason, ...(entry.via === 'url' ? { caller: entry.caller.arn } : {}) });
    const action = (payload as { action?: unknown } | null)?.action;
    const result: RollbackRunResult = { outcome: 'rejected', reason: admission.reason, drill: action === 'drill', timeline: [], durationMs: 0 };
    return { result, ...(entry.via === 'url' ? { response: asResponse(403, result) } : {}) };
  }
  const result = await runRollback(payload, invocationId, deps, entry.via === 'url' ? entry.caller : undefined);
  return { result, ...(entry.via === 'url' ? { response: asResponse(200, result) } : {}) };
}
