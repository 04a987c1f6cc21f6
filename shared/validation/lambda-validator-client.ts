import type { LambdaClient } from '@aws-sdk/client-lambda';
import { validationResultSchema, ValidatorUnavailableError, type ValidationRequest, type ValidationResult, type Validator } from './validation-contract';

/**
 * Invokes the validator Lambda synchronously. Its verdict is evidence; anything else — the invoke
 * refused (throttled after the SDK's retries, denied), timed out, the validator crashed or answered
 * nonsense — is no evidence at all, and throws ValidatorUnavailableError for the run to hand over.
 * The Lambda SDK loads on first use (the orchestrator starts it alongside its first reads).
 */
export class LambdaValidatorClient implements Validator {
  constructor(
    private readonly lambda: () => Promise<LambdaClient>,
    private readonly functionName: string,
  ) {}

  async validate(request: ValidationRequest): Promise<ValidationResult> {
    let response;
    try {
      const [{ InvokeCommand }, lambda] = await Promise.all([import('@aws-sdk/client-lambda'), this.lambda()]);
      response = await lambda.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
    } catch (error) {
      throw new ValidatorUnavailableError(`validator unavailable: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    if (response.FunctionError) {
      const message = safeJson(text) as { errorType?: string; errorMessage?: string } | undefined;
      throw new ValidatorUnavailableError(`validator failed (${response.FunctionError}): ${message?.errorType ?? ''} ${message?.errorMessage ?? text}`.trim());
    }
    const parsed = validationResultSchema.safeParse(safeJson(text));
    if (!parsed.success) throw new ValidatorUnavailableError(`validator returned an unreadable result: ${text.slice(0, 200)}`);
    return parsed.data;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
