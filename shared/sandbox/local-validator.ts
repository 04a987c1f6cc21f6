import type { ValidationRequest, ValidationResult, Validator, CheckResult } from '../validation/validation-contract';
import { answerValidationRequest } from '../validation/validate-rollback';
import { sandboxCheckPorts } from './sandbox-adapters';
import type { SandboxClock } from './sandbox-clock';
import type { SandboxWorld } from './sandbox-world';

/** The real validator code, in-process, judging the sandbox on compressed sandbox time. */
export class LocalValidator implements Validator {
  constructor(
    private readonly world: SandboxWorld,
    private readonly clock: SandboxClock,
    private readonly onRound?: (round: number, consecutivePasses: number, checks: readonly CheckResult[]) => void,
  ) {}

  validate(request: ValidationRequest): Promise<ValidationResult> {
    return answerValidationRequest(request, {
      ports: sandboxCheckPorts(this.world),
      clock: this.clock,
      sleep: (milliseconds) => this.clock.sleep(milliseconds),
      remainingTimeMs: () => Number.MAX_SAFE_INTEGER,
      onRound: this.onRound,
    });
  }
}
