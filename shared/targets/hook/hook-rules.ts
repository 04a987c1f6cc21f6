// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { iamLiteral, targetLocationSchema, type RestorePhase, type TargetRestoreRequest } from '../target-plugin';

/** Longest a hook may keep a restore waiting: every second of it the bad version may still serve. */
export const MAX_HOOK_TIMEOUT_SECONDS = 120;

const hookCall = {
  /** The Lambda function to invoke (its name), synchronously. */
  function: iamLiteral(z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, 'must be a Lambda function name (letters, digits, - and _, at most 64)')),
  /** A version or alias to invoke (default: $LATEST). */
  qualifier: iamLiteral(z.string().regex(/^(\$LATEST|[a-zA-Z0-9-_]{1,128})$/, 'must be a Lambda version or alias name')).optional(),
  /** How long the call may take before it counts as no answer (seconds, 1–120; default 10). */
  timeoutSeconds: z.number().int().min(1).max(MAX_HOOK_TIMEOUT_SECONDS, `must be at most ${MAX_HOOK_TIMEOUT_SECONDS} seconds: a hook holds the restore up while it runs`).default(10),
};

export const hookConfigSchema = z
  .strictObject({
    type: z.literal('hook'),
    /** Invoked before the traffic targets restore (a maintenance banner, a write freeze, a pre-check). */
    before: z
      .strictObject({
        ...hookCall,
        /** Its refusal (or no answer) stops the environment's restore and escalates; otherwise it is a warning. */
        required: z.boolean().default(false),
      })
      .optional(),
    /** Invoked after every other target restored (a cache purge, a flag flip, a down-migration). */
    after: z.strictObject(hookCall).optional(),
    ...targetLocationSchema,
  })
  .refine((config) => config.before !== undefined || config.after !== undefined, { message: 'names no call: give before, after, or both', path: ['before'] });
export type HookConfig = z.output<typeof hookConfigSchema>;
export type HookCall = NonNullable<HookConfig['after']>;

/** A hook records nothing on a deployment: it acts the same for every one. */
export const hookPointSchema = z.object({});
export type HookPoint = z.output<typeof hookPointSchema>;

/** A hook's answer is its result; nothing is observed afterwards (kept for the shared contract). */
export const hookExpectationSchema = z.object({ target: z.literal('hook'), function: z.string().min(1) });
export type HookExpectation = z.output<typeof hookExpectationSchema>;

/** What a hook receives (its Lambda event): who restores what, why, and whether it is only a drill. */
export const hookRequestSchema = z.strictObject({
  /** The run: the same on every retry or resume of it, so a hook acts once per run id. */
  runId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  phase: z.enum(['before', 'after']),
  environment: z.string().min(1),
  from: z.strictObject({ deploymentId: z.string(), version: z.string() }),
  to: z.strictObject({ deploymentId: z.string(), version: z.string() }),
  reason: z.string(),
  /** A drill: say what you would do, change nothing. */
  drill: z.boolean(),
  /** An earlier attempt of this run may already have called you. */
  resumed: z.boolean(),
});
export type HookRequest = z.output<typeof hookRequestSchema>;

/** The event a hook gets for a restore request and phase. Pure. */
export function hookRequestOf(request: TargetRestoreRequest<HookConfig, HookPoint>, phase: RestorePhase): HookRequest {
  return {
    runId: request.runId,
    idempotencyKey: `${request.runId}#${request.environment}#${phase}`,
    phase,
    environment: request.environment,
    from: { deploymentId: request.fromDeploymentId, version: request.fromVersion },
    to: { deploymentId: request.toDeploymentId, version: request.toVersion },
    reason: request.reason,
    drill: request.simulate,
    resumed: request.resumed,
  };
}

/** What a hook answers: `{ "ok": true }`, or `{ "ok": false, "reason": "…" }`. */
export const hookAnswerSchema = z.object({ ok: z.boolean(), reason: z.string().max(1_000).optional() });

/** Which call a request is: the phase the runner names, else the only one configured (a request made by hand). Pure. */
export function phaseOf(request: { phase?: RestorePhase; config: HookConfig }): RestorePhase {
  return request.phase ?? (request.config.before ? 'before' : 'after');
}

export function callOf(config: HookConfig, phase: RestorePhase): HookCall | undefined {
  return phase === 'before' ? config.before : config.after;
}

export function describeCall(call: HookCall): string {
  return `${call.function}${call.qualifier ? `:${call.qualifier}` : ''}`;
}

export function describeHook(config: HookConfig): string {
  return [config.before ? `before: ${describeCall(config.before)}${config.before.required ? ' (required)' : ''}` : '', config.after ? `after: ${describeCall(config.after)}` : ''].filter(Boolean).join(', ');
}

/**
 * The hook's answer as the run's result: ok → restored (or, in a drill, would_restore); a refusal,
 * an error or no answer → failed, and a required `before` call's failure needs a person. Pure.
 */
export function judgeAnswer(config: HookConfig, phase: RestorePhase, drill: boolean, answer: { ok: true } | { ok: false; why: string }) {
  const call = callOf(config, phase)!;
  const name = `${phase} hook ${describeCall(call)}`;
  if (answer.ok) return drill ? { outcome: 'would_restore' as const, detail: `would call ${name}: it answered ok to the drill` } : { outcome: 'restored' as const, detail: `${name} answered ok` };
  const required = phase === 'before' && config.before?.required === true;
  return {
    outcome: 'failed' as const,
    detail: `${name} ${answer.why}${required ? (drill ? ': it is required, so a real restore would stop here' : ': it is required, so nothing else was restored') : ''}`,
    ...(required && !drill ? { needsPerson: true as const } : {}),
  };
}
