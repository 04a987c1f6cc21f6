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
    super(`unknown environment "${environment}": the configuration knows ${knownEnvironments.map((name) => `"${name}"`).join(', ')}`);
    this.name = 'UnknownEnvironmentError';
  }
}
