/** Base of every failure of the deployment history that a caller may want to tell apart. */
export class HistoryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class HistoryTableMissingError extends HistoryError {
  constructor(
    readonly tableName: string,
    options?: ErrorOptions,
  ) {
    super(`the deployment history table "${tableName}" does not exist (deploy the stack, or check --table / ROLLBACK_TABLE and the region)`, options);
  }
}

export class DeploymentNotFoundError extends HistoryError {
  constructor(readonly deploymentId: string) {
    super(`no deployment "${deploymentId}" in the history`);
  }
}

/** The same deployment id was recorded before for another environment or version. */
export class DeploymentConflictError extends HistoryError {
  constructor(
    readonly deploymentId: string,
    readonly existing: { environment: string; version: string },
  ) {
    super(
      `deployment "${deploymentId}" is already recorded for environment "${existing.environment}" version "${existing.version}"; use another id`,
    );
  }
}

/** What a caller asked to write is not well formed (a blank name, a reason too short): nothing was written. */
export class InvalidWriteError extends HistoryError {}

export class InvalidCursorError extends HistoryError {
  constructor(reason: string) {
    super(`invalid cursor: ${reason} (pass the cursor exactly as the previous page returned it)`);
  }
}

/** The run no longer holds the claim on the deployment (another run took over its expired lease). */
export class ClaimLostError extends HistoryError {
  constructor(
    readonly deploymentId: string,
    readonly runId: string,
    readonly currentHolder: string | undefined,
  ) {
    super(`run "${runId}" no longer holds the rollback claim on "${deploymentId}" (held by ${currentHolder ?? 'nobody'})`);
  }
}
