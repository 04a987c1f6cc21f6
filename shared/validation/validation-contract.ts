// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { expectationSchema } from '../history/run-journal';
import { VERDICTS } from './evidence/evidence';

/** What the orchestrator asks the validator to prove, per environment, within a time budget. */
export const validationRequestSchema = z.object({
  environments: z
    .array(
      z.object({
        name: z.string().min(1),
        alarmPrefixes: z.array(z.string().min(1)).min(1),
        /** Alarms watched by name as well: the one that fired may match no prefix (routed by its environment tag). */
        alarmNames: z.array(z.string().min(1).max(255)).max(100).default([]),
        /** Alarms that only notify (the environment's rules: a name, or a prefix ending in *): never evidence either way. */
        notifyOnly: z.array(z.string().min(1).max(256)).max(100).default([]),
        healthChecks: z
          .array(
            z.object({
              url: z.url({ protocol: /^https?$/ }),
              timeoutMs: z.number().int().positive(),
              versionField: z.string().min(1).optional(),
              expectedVersion: z.string().min(1).optional(),
              followRedirects: z.enum(['same-origin', 'none']).default('same-origin'),
            }),
          )
          .default([]),
        /** Where the environment's alarms and their data are read: its region, and the role in its account (default: the validator's own). */
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/).optional(),
        roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/).optional(),
        /** The environment's target configs the expectations are checked against (where, in which account). */
        targets: z.array(z.looseObject({ type: z.string().min(1) })).default([]),
        /** What each target that restored this environment must be seen doing (read-only checks, each target's own format). */
        expectations: z.array(expectationSchema).default([]),
      }),
    )
    .min(1, 'needs at least one environment'),
  budgetMs: z.number().int().positive(),
  pollIntervalMs: z.number().int().positive(),
  consecutivePasses: z.number().int().positive(),
  /** Conclusive failures in a row (a target's check, the health checks) that end validation early. */
  failureThreshold: z.number().int().positive().default(3),
  /** When the restore was made: alarms are judged against their recovery window from then (default: when validation starts). */
  restoredAt: z.iso.datetime({ offset: true }).optional(),
  /** Drill: nothing was changed, so only alarms and health are checked (the running version cannot match yet). */
  drill: z.boolean().default(false),
  /** The sequential test of a restored version's error rate against its own before the bad deployment. */
  errorRate: z
    .object({ minimumIncrease: z.number().positive().max(0.5), alpha: z.number().positive().max(0.5), beta: z.number().positive().max(0.5) })
    .default({ minimumIncrease: 0.01, alpha: 0.01, beta: 0.01 }),
});
export type ValidationRequest = z.input<typeof validationRequestSchema>;
export type ParsedValidationRequest = z.output<typeof validationRequestSchema>;

/** Why a verdict came when it did (`consecutive_passes`: the rule before verdicts rested on evidence, on older journals). */
export const VALIDATION_CONCLUSIONS = ['recovered', 'consecutive_passes', 'budget', 'target_failed', 'restore_not_taken', 'health_failing', 'alarm_past_recovery_window', 'alarm_breaching', 'traffic'] as const;
export type ValidationConclusion = (typeof VALIDATION_CONCLUSIONS)[number];

export const checkResultSchema = z.object({
  /** alarms, health, or a target's check name (versions, pipeline, …). */
  check: z.string(),
  environment: z.string(),
  passed: z.boolean(),
  detail: z.string(),
  verdict: z.enum(VERDICTS).optional(),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

/** One piece of evidence, as the validator reports it: which environment, which check, what it showed. */
export const evidenceSchema = z.object({
  environment: z.string(),
  check: z.string(),
  verdict: z.enum(VERDICTS),
  detail: z.string(),
  basis: z.enum(['datapoints', 'state', 'traffic', 'probe', 'target']).optional(),
  datapoints: z.number().int().nonnegative().optional(),
  decidedAt: z.string().optional(),
});

/** The validator's verdict. Field names are a contract with consumers: keep them. */
export const validationResultSchema = z.object({
  /** recovered (and only then): kept for consumers that read a boolean. */
  success: z.boolean(),
  /** recovered, not_recovered, or inconclusive: not enough evidence either way within the budget. */
  verdict: z.enum(VERDICTS).optional(),
  /** Each piece of evidence of the last round, per environment. */
  evidence: z.array(evidenceSchema).default([]),
  /** The check that decided it (not recovered), or what was missing (inconclusive), and when the evidence became hard. */
  decidedBy: z.object({ environment: z.string(), check: z.string(), detail: z.string(), at: z.string().optional() }).optional(),
  reason: z.string().optional(),
  failedAlarms: z.array(z.object({ name: z.string(), state: z.string(), reason: z.string() })).optional(),
  healthCheckStatus: z.number().int().optional(),
  versionMatch: z.boolean().optional(),
  timestamp: z.string(),
  /** The last round's checks. */
  checks: z.array(checkResultSchema).default([]),
  rounds: z.number().int().nonnegative().default(0),
  durationMs: z.number().nonnegative().default(0),
  /** What ended validation: enough passing rounds, the budget, or hard evidence before it ran out. */
  concludedBy: z.enum(VALIDATION_CONCLUSIONS).optional(),
});
export type ValidationResult = z.output<typeof validationResultSchema>;

/** Proves (or disproves) that a rollback took. Throws ValidatorUnavailableError when it cannot judge at all. */
export interface Validator {
  validate(request: ValidationRequest): Promise<ValidationResult>;
}

/**
 * The validator could not be asked or did not answer (throttled, denied, crashed, unreadable): no
 * evidence either way, so it is never treated as a failed validation — the run hands over instead.
 */
export class ValidatorUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ValidatorUnavailableError';
  }
}
