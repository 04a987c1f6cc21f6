import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import { hookRequestOf, phaseOf, hookRequestSchema, judgeAnswer, type HookConfig, type HookExpectation, type HookPoint } from './hook-rules';

/** A hook in the sandbox: reads the request it would get and answers ok (with the scenario's fault, its `before` call refuses). */
export function hookTwin({ fault }: SandboxTwinContext<HookPoint>): TargetDriver<HookConfig, HookPoint, HookExpectation> {
  return {
    async restore(request) {
      const phase = phaseOf(request);
      hookRequestSchema.parse(hookRequestOf(request, phase));
      const answer = fault && phase === 'before' ? { ok: false as const, why: `refused: ${fault}` } : { ok: true as const };
      return judgeAnswer(request.config, phase, request.simulate, answer);
    },
    async check() {
      return { passed: true, detail: 'a hook’s answer is its result' };
    },
    async capture() {
      return {};
    },
    async readiness() {
      return { ready: true, detail: 'a hook needs nothing recorded (sandbox)' };
    },
  };
}
