const UNIT_MILLISECONDS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Thrown for a duration a person typed that is not `<number><s|m|h|d|w>`. */
export class InvalidDurationError extends Error {
  constructor(readonly input: string) {
    super(`invalid duration "${input}": use a whole number and a unit, e.g. 30m, 12h, 7d or 2w`);
    this.name = 'InvalidDurationError';
  }
}

/** Parses "30m", "12h", "7d", "2w" into milliseconds. */
export function parseDuration(input: string): number {
  const match = /^(\d{1,6})([smhdw])$/.exec(input.trim());
  if (!match) throw new InvalidDurationError(input);
  const [, amount, unit] = match as unknown as [string, string, keyof typeof UNIT_MILLISECONDS];
  const milliseconds = Number(amount) * UNIT_MILLISECONDS[unit];
  if (milliseconds === 0) throw new InvalidDurationError(input);
  return milliseconds;
}
