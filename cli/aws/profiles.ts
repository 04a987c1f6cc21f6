import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The profile names of the AWS shared config and credentials files (`AWS_CONFIG_FILE`,
 * `AWS_SHARED_CREDENTIALS_FILE`, else ~/.aws/), as the AWS CLI reads them: `[profile x]` or
 * `[default]` in config, `[x]` in credentials. Missing files name none.
 */
export function knownProfiles(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || homedir();
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const sections = (text: string) => [...text.matchAll(/^\s*\[([^\]]+)\]\s*$/gm)].map((match) => match[1]!.trim());
  const fromConfig = sections(read(env.AWS_CONFIG_FILE || join(home, '.aws', 'config'))).flatMap((name) => (name === 'default' ? ['default'] : name.startsWith('profile ') ? [name.slice('profile '.length).trim()] : []));
  const fromCredentials = sections(read(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials')));
  return [...new Set([...fromConfig, ...fromCredentials])].sort();
}

/** Why credentials failed when the profile asked for is in neither file: it names the profile and those there are. Pure but for the files. */
export function missingProfileMessage(profile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (!profile) return undefined;
  const known = knownProfiles(env);
  if (known.includes(profile)) return undefined;
  return `the AWS profile "${profile}" is not in your AWS config or credentials files (${known.length > 0 ? `profiles there: ${known.join(', ')}` : 'there are none'}); check --profile or AWS_PROFILE`;
}
