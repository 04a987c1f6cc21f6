// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { targetLocationSchema, type TargetObservation } from '../target-plugin';

const setIdentifier = z.string().regex(/^[\w.:@-]{1,128}$/, 'must be a Route 53 SetIdentifier (letters, digits, _ . : @ -, at most 128)');
/** Route 53 weights: 0–255, 0 sends no traffic while another record has weight. */
const weight = z.number().int().min(0).max(255);

export const route53WeightedConfigSchema = z
  .strictObject({
    type: z.literal('route53-weighted'),
    hostedZoneId: z.string().regex(/^[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone id such as Z1D633PJN98FT9 (without /hostedzone/)'),
    /**
     * The record's name as IAM's condition key normalises it: lowercase, no trailing dot, only
     * a-z 0-9 - _ and dots (the grant is limited to exactly this name).
     */
    recordName: z.string().regex(/^(?=.{1,253}$)[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})+$/, 'must be a lowercase DNS name without a trailing dot, e.g. api.example.com'),
    recordType: z.enum(['A', 'AAAA', 'CNAME']),
    /** The weighted records of the name (blue, green…), each restored to its recorded weight. */
    setIdentifiers: z
      .array(setIdentifier)
      .min(2, 'needs at least two weighted records (e.g. blue and green)')
      .max(10)
      .refine((ids) => new Set(ids).size === ids.length, 'lists a SetIdentifier twice'),
    /** SetIdentifier → the Route 53 health check that must be healthy while that record takes traffic. */
    healthChecks: z.record(setIdentifier, z.uuid({ error: 'must be a Route 53 health check id (a UUID)' })).optional(),
    ...targetLocationSchema,
  })
  .superRefine((config, context) => {
    for (const id of Object.keys(config.healthChecks ?? {})) {
      if (!config.setIdentifiers.includes(id)) context.addIssue({ code: 'custom', path: ['healthChecks', id], message: `is not one of setIdentifiers (${config.setIdentifiers.join(', ')})` });
    }
  });
export type Route53WeightedConfig = z.output<typeof route53WeightedConfigSchema>;

/** SetIdentifier → the weight it had while the deployment was live. */
export const route53WeightedPointSchema = z.object({ weights: z.record(setIdentifier, weight) });
export type Route53WeightedPoint = z.output<typeof route53WeightedPointSchema>;

/** The records must carry these weights, the change must be INSYNC, and the health checks of weighted records healthy. */
export const route53WeightedExpectationSchema = z.object({
  target: z.literal('route53-weighted'),
  recordName: z.string().min(1),
  weights: z.record(z.string(), weight),
  /** The change batch (bare id, no /change/), when the restore made one. */
  changeId: z.string().min(1).optional(),
});
export type Route53WeightedExpectation = z.output<typeof route53WeightedExpectationSchema>;

/** "api.example.com." or "API.example.com" → "api.example.com": names as the config and IAM write them. Pure. */
export function normalizedRecordName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** The change id without the "/change/" AWS puts before it. Pure. */
export function bareChangeId(id: string): string {
  return id.replace(/^\/change\//, '');
}

/** SetIdentifiers the known good recorded no weight for: they would keep the bad weight. Pure. */
export function identifiersWithoutWeight(config: Route53WeightedConfig, to: Route53WeightedPoint): string[] {
  return config.setIdentifiers.filter((id) => to.weights[id] === undefined);
}

/** The SetIdentifiers whose weight must change, in config order. Pure. */
export function weightChanges(config: Route53WeightedConfig, current: Readonly<Record<string, number | undefined>>, to: Route53WeightedPoint): string[] {
  return config.setIdentifiers.filter((id) => current[id] !== to.weights[id]);
}

/** "blue 0->100, green 100->0". Pure. */
export function describeWeights(config: Route53WeightedConfig, current: Readonly<Record<string, number | undefined>>, to: Route53WeightedPoint): string {
  return config.setIdentifiers.map((id) => `${id} ${current[id] ?? '?'}->${to.weights[id]}`).join(', ');
}

export function describeRecord(config: Route53WeightedConfig): string {
  return `${config.recordName} ${config.recordType}`;
}

/**
 * A health check's observations → healthy. Route 53 considers an endpoint healthy when more than
 * 18% of its checkers report it healthy; each report's status starts with "Success" or "Failure". Pure.
 */
export function isHealthy(statuses: readonly string[]): boolean {
  const healthy = statuses.filter((status) => status.startsWith('Success')).length;
  return statuses.length > 0 && healthy / statuses.length > 0.18;
}

/** What was read of the record set after a restore. */
export interface WeightsReading {
  weights: Record<string, number | undefined>;
  changeStatus?: string;
  /** SetIdentifier → healthy, for each weighted record with a configured health check. */
  health?: Record<string, boolean>;
  error?: string;
}

/** Whether the records carry the weights, the change reached every Route 53 server, and weighted records are healthy. Pure. */
export function judgeWeights(config: Route53WeightedConfig, expectation: Route53WeightedExpectation, reading: WeightsReading): TargetObservation {
  if (reading.error) return { passed: false, detail: reading.error, inconclusive: true };
  const wrong = Object.entries(expectation.weights).filter(([id, expected]) => reading.weights[id] !== expected);
  if (wrong.length > 0) return { passed: false, detail: `${describeRecord(config)}: ${wrong.map(([id, expected]) => `${id} has weight ${reading.weights[id] ?? 'none'}, expected ${expected}`).join(', ')}` };
  if (expectation.changeId && reading.changeStatus !== 'INSYNC') return { passed: false, detail: `change ${expectation.changeId} is ${reading.changeStatus ?? 'unknown'}, not INSYNC yet`, inconclusive: true };
  const unhealthy = Object.entries(reading.health ?? {}).filter(([, healthy]) => !healthy).map(([id]) => id);
  if (unhealthy.length > 0) return { passed: false, detail: `health check of ${unhealthy.join(', ')} (taking traffic) is unhealthy` };
  return { passed: true, detail: `${describeRecord(config)} weights ${Object.entries(expectation.weights).map(([id, value]) => `${id}=${value}`).join(', ')}` };
}
