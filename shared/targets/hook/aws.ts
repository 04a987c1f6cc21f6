import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import type { ClientFactory } from '../client-factory';
import type { TargetDriver } from '../target-plugin';
import { callOf, phaseOf, describeCall, hookAnswerSchema, hookRequestOf, judgeAnswer, type HookConfig, type HookExpectation, type HookPoint } from './hook-rules';

const lambdaSdk = loadOnce(() => import('@aws-sdk/client-lambda'));

/**
 * A Lambda hook, invoked synchronously (RequestResponse) with the run's request; drills invoke it
 * too, saying `drill: true`. Its answer, an error it threw, or no answer within its timeout is the
 * result; a resumed run calls it again with the same idempotency key.
 */
export function hookDriver(clients: ClientFactory): TargetDriver<HookConfig, HookPoint, HookExpectation> {
  return {
    async restore(request) {
      const phase = phaseOf(request);
      const call = callOf(request.config, phase);
      if (!call) return { outcome: 'failed', detail: `no ${phase} hook is configured` };
      const { LambdaClient, InvokeCommand } = await lambdaSdk();
      const lambda = await clients.client(LambdaClient, request.config);
      // The SDK's own retries would call it again: one attempt, bounded by the configured timeout.
      const timeout = AbortSignal.timeout(call.timeoutSeconds * 1_000);
      const timedOut = new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(timeout.reason), { once: true }));
      try {
        const invocation = lambda.send(
          new InvokeCommand({
            FunctionName: call.function,
            ...(call.qualifier ? { Qualifier: call.qualifier } : {}),
            InvocationType: 'RequestResponse',
            Payload: new TextEncoder().encode(JSON.stringify(hookRequestOf(request, phase))),
          }),
          { abortSignal: timeout },
        );
        const result = await Promise.race([invocation, timedOut]);
        const body = result.Payload ? new TextDecoder().decode(result.Payload) : '';
        if (result.FunctionError) return judgeAnswer(request.config, phase, request.simulate, { ok: false, why: `failed (${result.FunctionError}): ${errorMessageOf(body)}` });
        const answer = hookAnswerSchema.safeParse(parseJson(body));
        if (!answer.success) return judgeAnswer(request.config, phase, request.simulate, { ok: false, why: `answered ${JSON.stringify(body.slice(0, 200))}, not {"ok": true} or {"ok": false, "reason": "…"}` });
        return judgeAnswer(request.config, phase, request.simulate, answer.data.ok ? { ok: true } : { ok: false, why: `refused: ${answer.data.reason ?? 'no reason given'}` });
      } catch (error) {
        if (timeout.aborted) return judgeAnswer(request.config, phase, request.simulate, { ok: false, why: `gave no answer within ${call.timeoutSeconds} s` });
        return judgeAnswer(request.config, phase, request.simulate, { ok: false, why: `could not be called: ${errorLine(error)}` });
      }
    },

    async check() {
      return { passed: true, detail: 'a hook’s answer is its result' };
    },

    async capture() {
      return {};
    },

    /** The function is there and can be invoked now (Active). */
    async readiness(config) {
      const { LambdaClient, GetFunctionConfigurationCommand } = await lambdaSdk();
      const lambda = await clients.client(LambdaClient, config);
      const calls = [config.before, config.after].filter((call) => call !== undefined);
      const problems = await Promise.all(
        calls.map(async (call) => {
          try {
            const { State } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: call.function, ...(call.qualifier ? { Qualifier: call.qualifier } : {}) }));
            return State === undefined || State === 'Active' ? undefined : `hook ${describeCall(call)} is ${State}, not Active`;
          } catch (error) {
            return `cannot read hook ${describeCall(call)}: ${errorLine(error)}`;
          }
        }),
      );
      const found = problems.filter((problem) => problem !== undefined);
      return found.length > 0 ? { ready: false, detail: found.join('; ') } : { ready: true, detail: `hook ${calls.map(describeCall).join(', ')} can be invoked` };
    },
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** A Lambda error payload's message: `{"errorType":"Error","errorMessage":"…"}`. */
function errorMessageOf(body: string): string {
  const parsed = parseJson(body) as { errorType?: string; errorMessage?: string } | string;
  if (typeof parsed === 'object' && parsed !== null && parsed.errorMessage) return `${parsed.errorType ?? 'Error'}: ${parsed.errorMessage}`.slice(0, 300);
  return String(body).slice(0, 300);
}
