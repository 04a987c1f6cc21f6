/** "AccessDeniedException: User … is not authorized …": an AWS (or any) error as one line a person can act on. */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name}: ${error.message}`;
}
