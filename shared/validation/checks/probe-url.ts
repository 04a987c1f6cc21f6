// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

/**
 * Why a URL the validator would fetch must not be configured, or undefined when it may be. The
 * validator runs in the controller's account with its role: a link-local address is the instance
 * metadata service (credentials), never a health endpoint; a password in the URL would be shown in
 * the timeline, notifications and logs. Hosts are compared as the URL parser normalises them, so
 * `http://2852039166/` and `http://0xa9.254.169.254/` are 169.254.169.254 too. Pure.
 */
export function probeUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.username || url.password || /^[a-z]+:\/\/[^/?#]*@/i.test(text)) {
    return 'must not contain credentials (user:password@): the URL is shown in the timeline, notifications and logs';
  }
  if (isLinkLocal(url.hostname)) return `must not address ${url.hostname}: a link-local address is the instance metadata service, not a health endpoint`;
  return undefined;
}

/** 169.254.0.0/16 and 0.0.0.0/8 (IPv4, also IPv4-mapped IPv6), fe80::/10, and EC2's IPv6 metadata address. Pure. */
function isLinkLocal(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (/^169\.254\.\d+\.\d+$/.test(host) || /^0\.\d+\.\d+\.\d+$/.test(host)) return true;
  if (/^fe[89ab][0-9a-f]?:/.test(host) || host === 'fd00:ec2::254') return true;
  // ::ffff:169.254.x.y is written by the parser as ::ffff:a9fe:xxyy.
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
  if (mapped) {
    const high = Number.parseInt(mapped[1]!, 16);
    return high >> 8 === 0 || high === 0xa9fe;
  }
  return false;
}

/** An http(s) URL the validator may fetch: see `probeUrlProblem`. */
export const probeUrlSchema = z
  .string()
  .max(2_048, 'must be at most 2,048 characters')
  .superRefine((text, context) => {
    const problem = probeUrlProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/** A URL as it may be shown: without any user:password@ it holds. Pure. */
export function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi, '$1');
}
