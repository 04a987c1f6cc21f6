// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

/** Lambda function names as AWS accepts them (name only, not an ARN: IAM ARNs are built from it). */
const functionName = z
  .string()
  .regex(/^[a-zA-Z0-9-_]{1,64}$/, 'must be a Lambda function name (letters, digits, - and _, at most 64)');

const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lowercase letters, digits and -, starting with a letter (at most 32)');

const healthCheckSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** JSON field of the response body that carries the running version, e.g. "version" or "build.version". */
  versionField: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).max(30_000).default(3_000),
});

const environmentSchema = z
  .strictObject({
    name: environmentName,
    alarms: z.strictObject({
      /** An alarm belongs to this environment when its name starts with one of these (exact, case-sensitive). */
      prefixes: z.array(z.string().min(1, 'must not be empty')).min(1, 'needs at least one alarm-name prefix'),
    }),
    lambda: z
      .strictObject({
        alias: z.string().regex(/^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/, 'must be a Lambda alias name (not a number)'),
        functions: z.array(functionName).min(1, 'needs at least one function'),
      })
      .optional(),
    pipeline: z
      .strictObject({
        name: z.string().regex(/^[A-Za-z0-9.@\-_]{1,100}$/, 'must be a CodePipeline pipeline name'),
        stage: z.string().regex(/^[A-Za-z0-9.@\-_]{1,100}$/, 'must be a CodePipeline stage name'),
      })
      .optional(),
    healthChecks: z.array(healthCheckSchema).default([]),
  })
  .refine((environment) => environment.lambda !== undefined || environment.pipeline !== undefined, {
    message: 'needs something to roll back: "lambda" (functions + alias) or "pipeline" (name + stage)',
  });

const policySchema = z.strictObject({
  /** Quiet time after a rollback in an environment, during which further alarms are not acted on. */
  cooldownMinutes: z.number().int().min(0).max(24 * 60).default(10),
  /** Automatic rollbacks per environment per rolling hour; beyond it automation stops and escalates. */
  maxRollbacksPerHour: z.number().int().min(1).max(60).default(3),
  /**
   * How long a claim holds before another run may take it over (a crashed run's lease). At least the
   * orchestrator's 15 minutes: a shorter lease would let a second run take over one still working.
   * A retry of the same event resumes its own claim at once, whatever the lease.
   */
  leaseSeconds: z.number().int().min(900, 'must be at least 900 (the orchestrator may run 15 minutes)').max(3_600).default(900),
  /**
   * How many times one run is attempted (the first invocation, then resumes by retries and the
   * reconciler) before it is completed as rollback_failed and escalated: a dependency that stays
   * down must reach a person, not loop.
   */
  maxRunAttempts: z.number().int().min(1).max(10).default(3),
  validation: z
    .strictObject({
      // The orchestrator (15 min at most) must outlast two validations plus their margins.
      timeoutSeconds: z.number().int().min(10).max(400).default(300),
      pollIntervalSeconds: z.number().int().min(1).max(300).default(10),
      consecutivePasses: z.number().int().min(1).max(20).default(3),
    })
    .prefault({}),
});

const notificationsSchema = z.strictObject({
  emails: z.array(z.email({ error: 'must be an email address' })).default([]),
  httpsEndpoints: z.array(z.url({ protocol: /^https$/, error: 'must be an https URL' })).default([]),
});

/** The whole rollback.config.json: the application's environments in promotion order, and the policy. */
export const rollbackConfigSchema = z
  .strictObject({
    application: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and - (at most 40)'),
    environments: z.array(environmentSchema).min(1, 'needs at least one environment'),
    policy: policySchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
  })
  .superRefine((config, context) => {
    const seenNames = new Map<string, number>();
    const seenPrefixes: { prefix: string; environment: string; path: (string | number)[] }[] = [];
    config.environments.forEach((environment, index) => {
      const earlier = seenNames.get(environment.name);
      if (earlier !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['environments', index, 'name'],
          message: `duplicates environments[${earlier}].name "${environment.name}"`,
        });
      }
      seenNames.set(environment.name, index);
      environment.alarms.prefixes.forEach((prefix, prefixIndex) => {
        const path = ['environments', index, 'alarms', 'prefixes', prefixIndex];
        // An alarm name must resolve to exactly one environment; overlapping prefixes would make that a guess.
        const clash = seenPrefixes.find(
          (other) => other.environment !== environment.name && (prefix.startsWith(other.prefix) || other.prefix.startsWith(prefix)),
        );
        if (clash) {
          context.addIssue({
            code: 'custom',
            path,
            message: `"${prefix}" overlaps "${clash.prefix}" of environment "${clash.environment}": an alarm name must match one environment only`,
          });
        }
        seenPrefixes.push({ prefix, environment: environment.name, path });
      });
    });
  });

export type RollbackConfig = z.output<typeof rollbackConfigSchema>;
export type EnvironmentConfig = RollbackConfig['environments'][number];
export type RollbackPolicy = RollbackConfig['policy'];
export type HealthCheckConfig = EnvironmentConfig['healthChecks'][number];
