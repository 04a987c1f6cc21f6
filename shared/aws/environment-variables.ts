/** Reads a required environment variable at cold start; a missing one names itself instead of failing later. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`environment variable ${name} is not set: the stack sets it on the function`);
  }
  return value;
}
