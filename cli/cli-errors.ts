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
