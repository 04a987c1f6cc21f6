// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';
import { describeKnown } from './config-errors';
import { targetLocationSchema, type TargetConfigBase, type TargetLocation } from '../targets/target-plugin';
import { SELF_ALARM_PREFIX } from '../powertools/metric-names';
import { parseDuration } from '../time/duration';
import { probeUrlSchema } from '../validation/checks/probe-url';
import { TARGET_PLUGINS, TARGET_TYPES, targetPlugin } from '../targets/target-registry';

export const ENVIRONMENT_MODES = ['act', 'observe', 'paused'] as const;
export type EnvironmentMode = (typeof ENVIRONMENT_MODES)[number];

const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lowercase letters, digits and -, starting with a letter (at most 32)');

/** Why an alarm-name prefix is refused (the first problem that applies), or undefined. Pure. */
function alarmPrefixProblem(prefix: string): string | undefined {
  if (prefix === '') return 'must not be empty';
  if (prefix.length > 255) return 'must be at most 255 characters (the longest alarm name)';
  if (/\p{Cc}/u.test(prefix)) return 'must not contain control characters (no CloudWatch alarm name can)';
  if (prefix.trim() !== prefix || prefix.trim() === '') return 'must not be blank or start or end with spaces';
  if (SELF_ALARM_PREFIX.startsWith(prefix) || prefix.startsWith(SELF_ALARM_PREFIX)) return `would match the controller's own alarms (${SELF_ALARM_PREFIX}…): its failures would trigger rollbacks`;
  return undefined;
}

const healthCheckSchema = z.strictObject({
  url: probeUrlSchema,
  /** Follow redirects to another origin (a login page answering 200 would otherwise pass). */
  followRedirects: z.enum(['same-origin', 'none']).default('same-origin'),
  /** JSON field of the response body that carries the running version, e.g. "version" or "build.version". */
  versionField: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).max(30_000).default(3_000),
});

/** One of the registered targets, by its `type`; each plugin's schema names its own fields. */
const targetConfigSchema = z.discriminatedUnion(
  'type',
  TARGET_PLUGINS.map((plugin) => plugin.configSchema) as unknown as [z.ZodObject<{ type: z.ZodLiteral<string> }>, ...z.ZodObject<{ type: z.ZodLiteral<string> }>[]],
  { error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${TARGET_TYPES.join(', ')}` : undefined) },
);

/** Configuration written for the first release (before targets were plugins): say how to move it. */
const LEGACY_SECTIONS: Record<string, string> = {
  lambda: 'moved into "targets": { "type": "lambda-alias", "alias": …, "functions": [...] }',
  pipeline: 'moved into "targets": { "type": "codepipeline-stage", "pipeline": <name>, "stage": … }',
};

const environmentSchema = z
  .strictObject({
    name: environmentName,
    alarms: z.strictObject({
      /** An alarm belongs to this environment when its name starts with one of these (exact, case-sensitive). */
      prefixes: z
        .array(
          z.string().superRefine((prefix, context) => {
            const problem = alarmPrefixProblem(prefix);
            if (problem) context.addIssue({ code: 'custom', message: problem });
          }),
        )
        .min(1, 'needs at least one alarm-name prefix'),
      /**
       * What an alarm of this environment may do, by its name (exact, or a prefix ending in *): the
       * first rule that matches decides; `notify` announces the alarm and never rolls back (a latency
       * alarm a person judges), `rollback` (the default for every alarm no rule names) acts.
       */
      rules: z
        .array(
          z.strictObject({
            match: z.string().regex(/^[^*\p{Cc}]{1,255}\*?$/u, 'must be an alarm name, or a prefix ending in * (no other *, no control characters)'),
            action: z.enum(['notify', 'rollback']),
          }),
        )
        .max(100)
        .default([]),
    }),
    /**
     * Where the environment lives when not in the controller's account and region: its alarms come
     * from there (an alarm from elsewhere is ignored, saying so), and its targets default to this
     * region and role (a target may still name its own).
     */
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
    region: targetLocationSchema.region,
    roleArn: targetLocationSchema.roleArn,
    /** What a rollback restores, in this order after traffic targets go first. */
    targets: z.array(targetConfigSchema).min(1, 'needs something to roll back: at least one target'),
    healthChecks: z.array(healthCheckSchema).default([]),
    /**
     * What alarms may do here: act (roll back), observe (decide and announce what it would have done,
     * change nothing — a trial week before going live), paused (announce that automation is off).
     * People may still roll back by hand in every mode; `rollbackctl pause` pauses for a while.
     */
    mode: z.enum(ENVIRONMENT_MODES).default('act'),
    /**
     * A stage validation that found no evidence either way (no traffic, no datapoints) keeps the
     * restore and ends the run `unverified` ("keep"), or widens to the full rollback ("full").
     */
    onInconclusive: z.enum(['keep', 'full']).default('keep'),
    /** A deploy that fails after it moved traffic here (a CodePipeline stage FAILED, or `record --status failed --rollback`) rolls back. */
    rollbackOnDeployFailure: z.boolean().default(false),
    /**
     * How long after a deployment went live an alarm is still blamed on it (AppConfig's bake time,
     * CloudFormation's monitoring time): a later alarm is announced with the command a person would
     * run, not acted on.
     */
    attributionWindow: z
      .string()
      .default('24h')
      .refine((text) => {
        try {
          const milliseconds = parseDuration(text);
          return milliseconds >= 60_000 && milliseconds <= 30 * 86_400_000;
        } catch {
          return false;
        }
      }, 'must be a duration from 1m to 30d, e.g. "24h", "90m", "7d"'),
  })
  .superRefine((environment, context) => {
    const roleAccount = /^arn:[^:]+:iam::(\d{12}):/.exec(environment.roleArn ?? '')?.[1];
    if (environment.account && roleAccount && roleAccount !== environment.account) {
      context.addIssue({ code: 'custom', path: ['roleArn'], message: `is a role in account ${roleAccount}, but the environment is in account ${environment.account}: name a role of that account` });
    }
    const seen = new Map<string, number>();
    environment.targets.forEach((target, index) => {
      const earlier = seen.get(target.type);
      if (earlier !== undefined) context.addIssue({ code: 'custom', path: ['targets', index, 'type'], message: `duplicates targets[${earlier}]: each target type appears once per environment` });
      seen.set(target.type, index);
      // Another account's resources are reached only through a role there.
      const role = (target as TargetLocation).roleArn ?? environment.roleArn;
      if (environment.account && !role) {
        context.addIssue({ code: 'custom', path: ['targets', index], message: `is in account ${environment.account}: give the environment (or the target) a roleArn there the controller assumes (leave account out for the controller's own account)` });
      }
    });
  })
  // The environment's region and role are its targets' defaults: every part that reaches a target reads them there.
  .transform((environment) => withTargetLocations(environment));

/** The environment with its region and role given to every target that names none of its own. Pure. */
export function withTargetLocations<Environment extends TargetLocation & { targets: readonly TargetConfigBase[] }>(environment: Environment): Environment {
  return {
    ...environment,
    targets: environment.targets.map((target) => {
      const location = target as TargetLocation;
      return {
        ...target,
        ...(location.region === undefined && environment.region !== undefined ? { region: environment.region } : {}),
        ...(location.roleArn === undefined && environment.roleArn !== undefined ? { roleArn: environment.roleArn } : {}),
      };
    }),
  };
}

/** Reads a legacy section as the error that says where it went; everything else parses as it is. */
const environmentWithHints = z.preprocess((raw, context) => {
  if (typeof raw === 'object' && raw !== null) {
    for (const [key, hint] of Object.entries(LEGACY_SECTIONS)) {
      if (key in raw) context.addIssue({ code: 'custom', path: [key], message: hint, input: raw });
    }
  }
  return raw;
}, environmentSchema);

const policySchema = z.strictObject({
  /** Quiet time after a rollback in an environment, during which further alarms are not acted on. */
  cooldownMinutes: z.number().int().min(0).max(24 * 60).default(10),
  /** Automatic rollbacks per environment per rolling hour; beyond it automation stops and escalates. */
  maxRollbacksPerHour: z.number().int().min(1).max(60).default(3),
  /**
   * How long a run's claim holds without being renewed. A run renews it while it is alive (a
   * heartbeat every third of it, also while it waits on the validator), so it only runs out when the
   * invocation died: a retry or the reconciler (every minute) then resumes the run within this plus a
   * minute. A run that hands over releases it at once.
   */
  leaseSeconds: z.number().int().min(30, 'must be at least 30 (a heartbeat renews it every third of it)').max(900).default(60),
  /**
   * How many times one run is attempted (the first invocation, then resumes by retries and the
   * reconciler) before it is completed as rollback_failed and escalated: a dependency that stays
   * down must reach a person, not loop.
   */
  maxRunAttempts: z.number().int().min(1).max(10).default(3),
  /**
   * Who may roll back past deployments recorded irreversible (`rollbackctl rollback --force`): IAM
   * role ARNs (every session of the role), user ARNs, or one role session's ARN. The caller is the
   * identity Lambda verified for the request URL. None by default: nobody may force.
   */
  forcePrincipals: z
    .array(z.string().regex(/^arn:aws[a-z-]*:(iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}|sts::\d{12}:assumed-role\/[\w+=,.@-]{1,64}\/[\w+=,.@-]{2,64})$/, 'must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>) or a role session ARN (no wildcards)'))
    .max(50)
    .default([]),
  validation: z
    .strictObject({
      // The orchestrator (15 min at most) must outlast two validations plus their margins.
      timeoutSeconds: z.number().int().min(10).max(400).default(300),
      pollIntervalSeconds: z.number().int().min(1).max(300).default(10),
      consecutivePasses: z.number().int().min(1).max(20).default(3),
      /** Conclusive failures in a row (a target's check, the health checks) that end validation early: the restore did not help. */
      failureThreshold: z.number().int().min(1).max(20).default(3),
      /**
       * The sequential test of a restored Lambda version's error rate against its own before the bad
       * deployment: the increase that counts as not recovered, and the test's two error rates.
       */
      errorRate: z
        .strictObject({
          minimumIncrease: z.number().gt(0).max(0.5).default(0.01),
          falseAlarmRate: z.number().gt(0).max(0.2).default(0.01),
          missRate: z.number().gt(0).max(0.2).default(0.01),
        })
        .prefault({}),
    })
    .prefault({})
    // A policy that can never pass would turn every rollback into a failed one.
    .superRefine((validation, context) => {
      if (validation.pollIntervalSeconds > validation.timeoutSeconds) {
        context.addIssue({ code: 'custom', path: ['pollIntervalSeconds'], message: `${validation.pollIntervalSeconds} s is longer than timeoutSeconds (${validation.timeoutSeconds} s): not one round would fit` });
      }
      const neededSeconds = validation.consecutivePasses * validation.pollIntervalSeconds;
      if (validation.pollIntervalSeconds <= validation.timeoutSeconds && neededSeconds > validation.timeoutSeconds) {
        context.addIssue({
          code: 'custom',
          path: ['consecutivePasses'],
          message: `${validation.consecutivePasses} passes every ${validation.pollIntervalSeconds} s take ${neededSeconds} s, longer than timeoutSeconds (${validation.timeoutSeconds} s): validation could never pass`,
        });
      }
    }),
});

const notificationsSchema = z.strictObject({
  emails: z.array(z.email({ error: 'must be an email address' })).default([]),
  httpsEndpoints: z.array(z.url({ protocol: /^https$/, error: 'must be an https URL' })).default([]),
  /** A second topic whose messages are AWS Chatbot custom notifications (readable cards in Slack or Teams). */
  chatbot: z.boolean().default(false),
});

/**
 * Why a drill cron expression is refused, or undefined: it needs EventBridge Scheduler's six fields
 * (minutes hours day-of-month month day-of-week year), and runs at most hourly — one fixed minute
 * (`cron(* * * * ? *)` would drill sixty times an hour, each a rollback rehearsal announced). Pure.
 */
function cronProblem(expression: string): string | undefined {
  const fields = /^cron\((.*)\)$/.exec(expression)?.[1]?.trim().split(/\s+/);
  if (!fields) return undefined;
  if (fields.length !== 6) return `has ${fields.length} cron fields; EventBridge Scheduler takes six: minutes hours day-of-month month day-of-week year, e.g. "cron(0 9 1 * ? *)"`;
  const minute = fields[0]!;
  if (!/^\d{1,2}$/.test(minute) || Number(minute) > 59) return `runs more than hourly (minutes "${minute}"): drills run at one fixed minute, e.g. "cron(0 9 1 * ? *)"`;
  if (fields[2] !== '?' && fields[4] !== '?') return 'must leave day-of-month or day-of-week as "?" (EventBridge Scheduler takes one of them), e.g. "cron(0 9 1 * ? *)"';
  return undefined;
}

/**
 * Rehearsals on a schedule (the runbooks ask for a monthly rollback test): an EventBridge Scheduler
 * schedule per environment runs a read-only drill and announces its result. Hourly at most.
 */
const drillsSchema = z.strictObject({
  schedule: z
    .string()
    .trim()
    .regex(/^(cron\([^()]+\)|rate\([1-9]\d* (hour|hours|day|days)\))$/, 'must be an EventBridge Scheduler expression: cron(...) or rate(N hours|days), e.g. "cron(0 9 1 * ? *)" for 09:00 on the 1st')
    .superRefine((expression, context) => {
      const problem = cronProblem(expression);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** The IANA time zone the cron expression is read in. */
  timezone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone such as "UTC" or "Europe/Lisbon"').default('UTC'),
  /** Which environments to drill (default: all). */
  environments: z.array(z.string().min(1)).min(1).optional(),
});

/** Environments one controller takes: 1,000 measured (a full rollback's run record 122 KB), twice that still well inside DynamoDB's item limit. */
export const MAX_ENVIRONMENTS = 2_000;

/** The whole rollback.config.json: the application's environments in promotion order, and the policy. */
export const rollbackConfigSchema = z
  .strictObject({
    application: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and - (at most 40)'),
    environments: z
      .array(environmentWithHints)
      .min(1, 'needs at least one environment')
      // A full rollback journals its scope (~110 bytes an environment) on one DynamoDB item (400 KB at most).
      .max(MAX_ENVIRONMENTS, `at most ${MAX_ENVIRONMENTS.toLocaleString('en-US')} environments in one controller (a full rollback journals its scope on one DynamoDB item): split the application across controllers`),
    /**
     * Where the controller itself is deployed: needed (and only then) when an environment lives in
     * another account or region — its alarms are forwarded to this account's event bus, and its role
     * trusts this account's controller functions.
     */
    home: z
      .strictObject({
        account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
      })
      .optional(),
    policy: policySchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
    drills: drillsSchema.prefault({}),
  })
  .superRefine((config, context) => {
    const elsewhere = config.environments.findIndex((environment) => environment.account !== undefined || environment.region !== undefined);
    if (elsewhere >= 0 && !config.home) {
      context.addIssue({ code: 'custom', path: ['home'], message: `environments[${elsewhere}] (${config.environments[elsewhere]!.name}) lives in another account or region: say where the controller is deployed, { "account": "…", "region": "…" }, so its alarms are forwarded there` });
    }
    const names = new Set(config.environments.map((environment) => environment.name));
    (config.drills.environments ?? []).forEach((name, index) => {
      if (!names.has(name)) context.addIssue({ code: 'custom', path: ['drills', 'environments', index], message: `unknown environment "${name}": the configuration knows ${describeKnown([...names])}` });
    });
    // One resource restored by two environments: one environment's alarm would move the other's traffic.
    const owners = new Map<string, { environment: string; path: string }>();
    config.environments.forEach((environment, environmentIndex) => {
      environment.targets.forEach((target, targetIndex) => {
        for (const key of targetPlugin(target.type).resourceKeys(target)) {
          const owner = owners.get(key);
          if (owner && owner.environment !== environment.name) {
            context.addIssue({
              code: 'custom',
              path: ['environments', environmentIndex, 'targets', targetIndex],
              message: `restores the same ${targetPlugin(target.type).title} as ${owner.path} (environment "${owner.environment}"): an alarm in one would roll back the other`,
            });
          }
          if (!owner) owners.set(key, { environment: environment.name, path: `environments[${environmentIndex}].targets[${targetIndex}]` });
        }
      });
    });
    const seenNames = new Map<string, number>();
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
    });
    // An alarm name must resolve to exactly one environment; overlapping prefixes would make that a guess.
    for (const { later, earlier } of overlappingPrefixes(config.environments)) {
      context.addIssue({
        code: 'custom',
        path: ['environments', later.environmentIndex, 'alarms', 'prefixes', later.prefixIndex],
        message: `"${later.prefix}" overlaps "${earlier.prefix}" of environment "${earlier.environment}": an alarm name must match one environment only`,
      });
    }
  });

/** A target's config section; its plugin reads the rest of its fields. */
export type TargetConfig = TargetConfigBase & Record<string, unknown>;
type ParsedConfig = z.output<typeof rollbackConfigSchema>;
export type EnvironmentConfig = Omit<ParsedConfig['environments'][number], 'targets'> & { targets: TargetConfig[] };
export type RollbackConfig = Omit<ParsedConfig, 'environments'> & { environments: EnvironmentConfig[] };
export type RollbackPolicy = RollbackConfig['policy'];
export type HealthCheckConfig = EnvironmentConfig['healthChecks'][number];

interface PrefixEntry {
  prefix: string;
  environment: string;
  environmentIndex: number;
  prefixIndex: number;
  /** Its place in the config, for reporting the clash on the later of the two. */
  order: number;
}

/**
 * Prefixes of different environments where one starts with the other, each reported once on the
 * later one (in config order), naming the earliest it overlaps. Sorted, a prefix's overlaps are the
 * prefixes still open on a stack as it is reached: O(n log n + n·depth), not O(n²), where depth is how
 * many configured prefixes nest inside each other (1 or 2 in practice). Pure.
 */
export function overlappingPrefixes(environments: readonly { name: string; alarms: { prefixes: readonly string[] } }[]): { later: PrefixEntry; earlier: PrefixEntry }[] {
  const entries: PrefixEntry[] = [];
  environments.forEach((environment, environmentIndex) =>
    environment.alarms.prefixes.forEach((prefix, prefixIndex) => entries.push({ prefix, environment: environment.name, environmentIndex, prefixIndex, order: entries.length })),
  );
  const sorted = [...entries].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : a.order - b.order));
  const clashes = new Map<PrefixEntry, PrefixEntry>();
  const note = (one: PrefixEntry, other: PrefixEntry) => {
    const [later, earlier] = one.order > other.order ? [one, other] : [other, one];
    const known = clashes.get(later);
    if (!known || earlier.order < known.order) clashes.set(later, earlier);
  };
  const open: PrefixEntry[] = [];
  for (const entry of sorted) {
    while (open.length > 0 && !entry.prefix.startsWith(open.at(-1)!.prefix)) open.pop();
    // Every open prefix is one this one starts with: each pair with another environment is a clash (for whichever is later).
    for (const candidate of open) if (candidate.environment !== entry.environment) note(entry, candidate);
    open.push(entry);
  }
  return [...clashes.entries()].sort(([a], [b]) => a.order - b.order).map(([later, earlier]) => ({ later, earlier }));
}
