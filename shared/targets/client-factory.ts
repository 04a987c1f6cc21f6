import type { STSClient } from '@aws-sdk/client-sts';
import { loadOnce } from '../aws/load-once';
import type { TargetLocation } from './target-plugin';

/** Loaded only when a target names a role in another account. */
const stsSdk = loadOnce(() => import('@aws-sdk/client-sts'));

/** Temporary credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;
/** The session name the target account sees in CloudTrail. */
export const ROLE_SESSION_NAME = 'rollback-controller';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ClientClass<Client> = new (config: any) => Client;

/** SDK clients for targets, one per client class, region and role, built once per container. */
export interface ClientFactory {
  client<Client>(clientClass: ClientClass<Client>, location: TargetLocation): Promise<Client>;
}

export interface ClientFactoryOptions {
  /** Settings every client gets (retries, a region, test credentials). */
  base?: Record<string, unknown>;
  /** How STS is reached to assume a target's role (default: the STS client, loaded on first use). */
  sts?: () => Promise<STSClient>;
  now?: () => number;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/**
 * Credentials of a role assumed with `sts:AssumeRole`, cached and renewed five minutes before they
 * expire; concurrent callers share one request.
 */
export function assumedRoleCredentials(roleArn: string, sts: () => Promise<STSClient>, now: () => number = Date.now): () => Promise<Credentials> {
  let cached: Credentials | undefined;
  let pending: Promise<Credentials> | undefined;
  return async () => {
    if (cached && cached.expiration.getTime() - RENEW_BEFORE_MS > now()) return cached;
    pending ??= (async () => {
      const [{ AssumeRoleCommand }, client] = await Promise.all([stsSdk(), sts()]);
      const { Credentials: issued } = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME, DurationSeconds: 3_600 }));
      if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken || !issued.Expiration) throw new Error(`sts:AssumeRole on ${roleArn} returned no credentials`);
      return { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey, sessionToken: issued.SessionToken, expiration: issued.Expiration };
    })().finally(() => (pending = undefined));
    cached = await pending;
    return cached;
  };
}

/**
 * Clients in the target's region; for a target in another account, with credentials from
 * `sts:AssumeRole` on its `roleArn` (one set per role, shared by every client that uses it).
 */
export function awsClientFactory(options: ClientFactoryOptions = {}): ClientFactory {
  const clients = new Map<string, unknown>();
  const roles = new Map<string, () => Promise<Credentials>>();
  const sts = loadOnce(async () => options.sts?.() ?? new (await stsSdk()).STSClient({ ...options.base }));

  return {
    async client<Client>(clientClass: ClientClass<Client>, location: TargetLocation): Promise<Client> {
      const key = `${clientClass.name}|${location.region ?? ''}|${location.roleArn ?? ''}`;
      const existing = clients.get(key) as Client | undefined;
      if (existing) return existing;
      let credentials: (() => Promise<Credentials>) | undefined;
      if (location.roleArn) {
        credentials = roles.get(location.roleArn) ?? assumedRoleCredentials(location.roleArn, sts, options.now);
        roles.set(location.roleArn, credentials);
      }
      const client = new clientClass({ ...options.base, ...(location.region ? { region: location.region } : {}), ...(credentials ? { credentials } : {}) });
      clients.set(key, client);
      return client;
    },
  };
}
