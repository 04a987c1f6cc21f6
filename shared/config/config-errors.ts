/** The configuration cannot be used; `problems` lists each as `path: reason`. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** An environment name that the configuration does not describe. */
export class UnknownEnvironmentError extends Error {
  constructor(
    readonly environment: string,
    readonly knownEnvironments: readonly string[],
  ) {
    super(`unknown environment "${environment}": the configuration knows ${describeKnown(knownEnvironments)}`);
    this.name = 'UnknownEnvironmentError';
  }
}

/** '"a", "b", "c"', or the first ten and how many more: an error message stays readable at 1,000 environments. Pure. */
export function describeKnown(names: readonly string[]): string {
  const quoted = names.slice(0, 10).map((name) => `"${name}"`).join(', ');
  return names.length > 10 ? `${quoted} and ${names.length - 10} more` : quoted;
}
