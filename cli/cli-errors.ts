/** Input the command cannot act on: exit code 2, the message, and nothing changed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes the CLI promises: scripts in CI depend on them. */
export const EXIT = { ok: 0, failed: 1, rejected: 2, /** `gate`: the environment is not ready for a deployment. */ closed: 3 } as const;

/** A flag value that must be one of a fixed list; the error lists them. */
export function parseChoice<Choice extends string>(flag: string, input: string, choices: readonly Choice[], listedAs = 'use one of'): Choice {
  if (!(choices as readonly string[]).includes(input)) throw new UsageError(`invalid ${flag} "${input}": ${listedAs} ${choices.join(', ')}`);
  return input as Choice;
}

/** No control, formatting, private-use or lone-surrogate character: nothing that drives a terminal or hides text. Pure. */
export function isPrintable(text: string): boolean {
  return !/[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u.test(text);
}

/** A free-text flag (a name, a revision): trimmed, 1 to `max` printable characters, or exit 2 naming the flag. Pure. */
export function parsePrintable(flag: string, input: string, max: number, what: string): string {
  const text = input.trim();
  if (text.length === 0 || text.length > max || !isPrintable(text)) {
    throw new UsageError(`invalid ${flag} ${text.length > 80 ? `(${text.length} characters)` : `"${input}"`}: ${what} (1 to ${max} printable characters)`);
  }
  return text;
}
