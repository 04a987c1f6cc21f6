// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

/** What the orchestrator asks the validator to prove, per environment, within a time budget. */
export const validationRequestSchema = z.object({
  environments: z
    .array(
      z.object({
        name: z.string().min(1),
        alarmPrefixes: z.array(z.string().min(1)).min(1),
        healthChecks: z
          .array(
            z.object({
              url: z.url({ protocol: /^https?$/ }),
              timeoutMs: z.number().int().positive(),
              versionField: z.string().min(1).optional(),
              expectedVersion: z.string().min(1).optional(),
            }),
          )
          .default([]),
        lambda: z
          .object({ alias: z.string().min(1), expectedVersions: z.record(z.string(), z.string()) })
          .optional(),
        pipeline: z
          .object({ name: z.string().min(1), stage: z.string().min(1), expectedExecutionId: z.string().min(1).optional() })
          .optional(),
      }),
    )
    .min(1, 'needs at least one environment'),
  budgetMs: z.number().int().positive(),
  pollIntervalMs: z.number().int().positive(),
  consecutivePasses: z.number().int().positive(),
  /** Drill: nothing was changed, so only alarms and health are checked (versions cannot match yet). */
  drill: z.boolean().default(false),
});
export type ValidationRequest = z.input<typeof validationRequestSchema>;
export type ParsedValidationRequest = z.output<typeof validationRequestSchema>;

export const CHECK_NAMES = ['alarms', 'health', 'versions', 'pipeline'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export const checkResultSchema = z.object({
  check: z.enum(CHECK_NAMES),
  environment: z.string(),
  passed: z.boolean(),
  detail: z.string(),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

/** The validator's verdict. Field names are a contract with consumers: keep them. */
export const validationResultSchema = z.object({
  success: z.boolean(),
  reason: z.string().optional(),
  failedAlarms: z.array(z.object({ name: z.string(), state: z.string(), reason: z.string() })).optional(),
  healthCheckStatus: z.number().int().optional(),
  versionMatch: z.boolean().optional(),
  timestamp: z.string(),
  /** The last round's checks. */
  checks: z.array(checkResultSchema).default([]),
  rounds: z.number().int().nonnegative().default(0),
  durationMs: z.number().nonnegative().default(0),
});
export type ValidationResult = z.output<typeof validationResultSchema>;

/** Proves (or disproves) that a rollback took. */
export interface Validator {
  validate(request: ValidationRequest): Promise<ValidationResult>;
}
