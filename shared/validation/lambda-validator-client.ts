import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { validationResultSchema, type ValidationRequest, type ValidationResult, type Validator } from './validation-contract';

/** Invokes the validator Lambda synchronously; a crashed or timed-out validator is a failed validation. */
export class LambdaValidatorClient implements Validator {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async validate(request: ValidationRequest): Promise<ValidationResult> {
    const failed = (reason: string): ValidationResult => ({
      success: false,
      reason,
      timestamp: this.now().toISOString(),
      checks: [],
      rounds: 0,
      durationMs: 0,
    });
    let response;
    try {
      response = await this.lambda.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'RequestTimeout' || name === 'AbortError') {
        return failed(`validator did not answer in time (${name})`);
      }
      throw error;
    }
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    if (response.FunctionError) {
      const message = safeJson(text) as { errorType?: string; errorMessage?: string } | undefined;
      return failed(`validator failed (${response.FunctionError}): ${message?.errorType ?? ''} ${message?.errorMessage ?? text}`.trim());
    }
    const parsed = validationResultSchema.safeParse(safeJson(text));
    return parsed.success ? parsed.data : failed(`validator returned an unreadable result: ${text.slice(0, 200)}`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
