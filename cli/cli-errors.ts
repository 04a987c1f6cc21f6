/** Input the command cannot act on: exit code 2, the message, and nothing changed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes the CLI promises: scripts in CI depend on them. */
export const EXIT = { ok: 0, failed: 1, rejected: 2 } as const;
