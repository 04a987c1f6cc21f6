/**
 * How a request reached the orchestrator, and who sent it. A direct Lambda invocation carries no
 * identity (the payload's `requestedBy` is whatever the caller wrote); the orchestrator's function
 * URL, with IAM auth, carries the caller's verified ARN. Manual rollbacks must come through the URL,
 * `force` only from principals the configuration names, and never from the controller's own
 * recorder or drill scheduler roles. Pure.
 */

/** The IAM identity Lambda verified for a function URL request (SigV4, `AuthType: AWS_IAM`). */
export interface VerifiedCaller {
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` or `arn:aws:iam::<account>:user/<name>`. */
  arn: string;
  account: string;
}

export type RequestEntry = { via: 'url'; caller: VerifiedCaller } | { via: 'invoke' };

/** What arrived, unwrapped: the request and its entry, or why the HTTP request itself is refused. */
export type UnwrappedInvocation = { ok: true; payload: unknown; entry: RequestEntry } | { ok: false; statusCode: number; reason: string };

/** A request body is a few hundred bytes; anything far larger is not one. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** Lambda's function URL event (payload format 2.0): no request of ours has these fields. */
export function isFunctionUrlEvent(raw: unknown): raw is FunctionUrlEvent {
  if (typeof raw !== 'object' || raw === null) return false;
  const candidate = raw as Partial<FunctionUrlEvent>;
  return candidate.version === '2.0' && typeof candidate.requestContext?.http?.method === 'string';
}

interface FunctionUrlEvent {
  version: '2.0';
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string }; requestId?: string; authorizer?: { iam?: { userArn?: unknown; accountId?: unknown } } };
}

/** A direct invocation as it is; a function URL request as its JSON body and the caller Lambda verified. Pure. */
export function unwrapInvocation(raw: unknown): UnwrappedInvocation {
  if (!isFunctionUrlEvent(raw)) return { ok: true, payload: raw, entry: { via: 'invoke' } };
  const iam = raw.requestContext.authorizer?.iam;
  if (typeof iam?.userArn !== 'string' || typeof iam.accountId !== 'string') {
    return { ok: false, statusCode: 403, reason: 'the request carries no verified IAM identity: the request URL takes only SigV4-signed requests (AuthType AWS_IAM)' };
  }
  if (raw.requestContext.http.method !== 'POST') return { ok: false, statusCode: 405, reason: `${raw.requestContext.http.method} is not accepted: POST the request as JSON` };
  const body = raw.isBase64Encoded ? Buffer.from(raw.body ?? '', 'base64').toString('utf8') : (raw.body ?? '');
  if (Buffer.byteLength(body, 'utf8') > MAX_REQUEST_BODY_BYTES) return { ok: false, statusCode: 413, reason: `the request body is larger than ${MAX_REQUEST_BODY_BYTES / 1024} KB: not a request` };
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return { ok: false, statusCode: 400, reason: 'the request body is not JSON: POST a request such as {"action":"rollback","environment":…}' };
  }
  return { ok: true, payload, entry: { via: 'url', caller: { arn: iam.userArn, account: iam.accountId } } };
}

const PRINCIPAL_ARN = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(role|user|assumed-role)\/(.+)$/;

/**
 * Whether a verified caller is the principal a configuration names: a role matches every session
 * of it (`assumed-role/<name>/…`, its path left out as STS leaves it out), a user or a session only
 * itself. Pure.
 */
export function callerIsPrincipal(callerArn: string, principalArn: string): boolean {
  const caller = PRINCIPAL_ARN.exec(callerArn);
  const principal = PRINCIPAL_ARN.exec(principalArn);
  if (!caller || !principal || caller[1] !== principal[1] || caller[3] !== principal[3]) return false;
  if (principal[4] === 'role') return caller[4] === 'assumed-role' && caller[5]!.split('/')[0] === principal[5]!.split('/').at(-1);
  return callerArn === principalArn;
}

export interface AdmissionRules {
  /** Who may roll back past irreversible deployments (`policy.forcePrincipals`). */
  forcePrincipals: readonly string[];
  /** The controller's own roles (the recorder's, the drill scheduler's): never a person asking. */
  refusedRoles: readonly string[];
}

/** Whether the request may go ahead from where it came, or why not (it changes nothing). Pure. */
export function admitRequest(payload: unknown, entry: RequestEntry, rules: AdmissionRules): { ok: true } | { ok: false; reason: string } {
  const request = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  if (entry.via === 'invoke') {
    if (request.action === 'rollback') {
      return {
        ok: false,
        reason: 'a manual rollback must come through the controller\'s request URL (stack output RequestUrl), which verifies who asks; a direct invocation cannot. Use rollbackctl rollback, or POST the request there signed with SigV4',
      };
    }
    return { ok: true };
  }
  const { arn } = entry.caller;
  const ownRole = rules.refusedRoles.find((role) => callerIsPrincipal(arn, role));
  if (ownRole) return { ok: false, reason: `${arn} is the controller's own role (${ownRole}): it records deployments or runs scheduled drills, and never asks for a rollback by hand` };
  if (!['rollback', 'drill', 'deploy_failed'].includes(request.action as string)) {
    return { ok: false, reason: 'the request URL takes requests only: action "rollback", "drill" or "deploy_failed"' };
  }
  if (request.force === true && !rules.forcePrincipals.some((principal) => callerIsPrincipal(arn, principal))) {
    return {
      ok: false,
      reason: `force (rolling back past irreversible deployments) is allowed only to the principals policy.forcePrincipals names${rules.forcePrincipals.length === 0 ? ' (none are)' : ` (${rules.forcePrincipals.join(', ')})`}; ${arn} is not one`,
    };
  }
  return { ok: true };
}
