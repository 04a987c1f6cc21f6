import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findEnvironment, loadConfig, parseConfig, UnknownEnvironmentError } from '../../shared/config';
import { TARGET_TYPES } from '../../shared/targets/target-registry';
import { overlappingPrefixes } from '../../shared/config/config-schema';
import { problemsOf } from '../helpers/config-problems';
import { fleetConfig, rawFleetConfig } from '../helpers/fleet-config';
import { temporaryFolder } from '../helpers/temporary-folder';

const validEnvironment = {
  name: 'production',
  alarms: { prefixes: ['shop-prod-'] },
  targets: [{ type: 'lambda-alias', alias: 'live', functions: ['shop-prod-api'] }],
};
const validConfig = { application: 'shop', environments: [validEnvironment] };
const frontend = { type: 's3-cloudfront', bucket: 'shop-frontend', releasesPrefix: 'releases/', distributionId: 'E2QWRUHAPOMQZL', pointer: { kind: 'origin-path', originId: 'releases' } };

/** Replaces one field of the valid config by a path of keys, or deletes it with `undefined`. */
function withField(path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(validConfig) as Record<string | number, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}


describe('configuration', () => {
  it('loads the example rollback.config.json shipped at the repository root, with policy defaults applied', () => {
    const config = loadConfig('rollback.config.json');

    expect(config.environments.map((environment) => environment.name)).toEqual(['test', 'staging', 'production']);
    expect(config.policy).toMatchObject({ cooldownMinutes: 10, maxRollbacksPerHour: 3 });
  });

  it('applies the documented defaults when policy is left out', () => {
    const config = parseConfig(validConfig);

    expect(config.policy).toEqual({
      cooldownMinutes: 10,
      maxRollbacksPerHour: 3,
      leaseSeconds: 60,
      maxRunAttempts: 3,
      forcePrincipals: [],
      validation: { timeoutSeconds: 300, pollIntervalSeconds: 10, consecutivePasses: 3, failureThreshold: 3, errorRate: { minimumIncrease: 0.01, falseAlarmRate: 0.01, missRate: 0.01 } },
    });
    expect(config.environments[0]?.healthChecks).toEqual([]);
    expect(config.drills).toEqual({ timezone: 'UTC' });
    expect(config.notifications).toEqual({ emails: [], httpsEndpoints: [], chatbot: false });
  });

  it.each<[string, (string | number)[], unknown, string]>([
    ['application name', ['application'], 'Shop App', 'application: must be lowercase letters'],
    ['no environments', ['environments'], [], 'environments: needs at least one environment'],
    ['environment name', ['environments', 0, 'name'], 'Prod!', 'environments[0].name: must be lowercase letters'],
    ['empty prefix list', ['environments', 0, 'alarms', 'prefixes'], [], 'environments[0].alarms.prefixes: needs at least one alarm-name prefix'],
    ['empty prefix', ['environments', 0, 'alarms', 'prefixes'], [''], 'environments[0].alarms.prefixes[0]: must not be empty'],
    ['numeric alias', ['environments', 0, 'targets', 0, 'alias'], '3', 'environments[0].targets[0].alias: must be a Lambda alias name'],
    ['function name', ['environments', 0, 'targets', 0, 'functions'], ['arn:aws:lambda:x'], 'environments[0].targets[0].functions[0]: must be a Lambda function name'],
    ['nothing to roll back', ['environments', 0, 'targets'], [], 'environments[0].targets: needs something to roll back: at least one target'],
    ['unknown target type', ['environments', 0, 'targets'], [{ type: 'ec2-asg', name: 'web' }], `environments[0].targets[0].type: must be one of ${TARGET_TYPES.join(', ')}`],
    ['pipeline without stage', ['environments', 0, 'targets'], [{ type: 'codepipeline-stage', pipeline: 'release' }], 'environments[0].targets[0].stage: '],
    ['unknown key in a target', ['environments', 0, 'targets', 0, 'weights'], 50, 'environments[0].targets[0]: Unrecognized key: "weights"'],
    ['role that is not a role ARN', ['environments', 0, 'targets', 0, 'roleArn'], 'arn:aws:iam::123:user/x', 'environments[0].targets[0].roleArn: must be an IAM role ARN'],
    ['region that is not a region', ['environments', 0, 'targets', 0, 'region'], 'Europe', 'environments[0].targets[0].region: must be an AWS region'],
    ['first-release lambda section', ['environments', 0, 'lambda'], { alias: 'live', functions: ['f'] }, 'environments[0].lambda: moved into "targets": { "type": "lambda-alias"'],
    ['health check URL', ['environments', 0, 'healthChecks'], [{ url: 'ftp://example.com' }], 'environments[0].healthChecks[0].url: must be an http(s) URL'],
    ['negative cooldown', ['policy'], { cooldownMinutes: -1 }, 'policy.cooldownMinutes: '],
    ['zero hourly limit', ['policy'], { maxRollbacksPerHour: 0 }, 'policy.maxRollbacksPerHour: '],
    ['validation passes', ['policy'], { validation: { consecutivePasses: 0 } }, 'policy.validation.consecutivePasses: '],
    ['lease too short for its heartbeat', ['policy'], { leaseSeconds: 10 }, 'policy.leaseSeconds: must be at least 30 (a heartbeat renews it every third of it)'],
    ['validation too long for two levels', ['policy'], { validation: { timeoutSeconds: 600 } }, 'policy.validation.timeoutSeconds: '],
    ['unknown policy key', ['policy'], { cooldown: 5 }, 'policy: Unrecognized key: "cooldown"'],
    ['notification email', ['notifications'], { emails: ['oncall'] }, 'notifications.emails[0]: must be an email address'],
    ['validation that can never pass: a poll longer than the timeout', ['policy'], { validation: { timeoutSeconds: 10, pollIntervalSeconds: 300, consecutivePasses: 1 } }, 'policy.validation.pollIntervalSeconds: 300 s is longer than timeoutSeconds (10 s): not one round would fit'],
    ['validation that can never pass: more passes than fit', ['policy'], { validation: { timeoutSeconds: 400, pollIntervalSeconds: 30, consecutivePasses: 20 } }, 'policy.validation.consecutivePasses: 20 passes every 30 s take 600 s, longer than timeoutSeconds (400 s): validation could never pass'],
    ['whitespace-only alarm prefix', ['environments', 0, 'alarms', 'prefixes'], ['   '], 'environments[0].alarms.prefixes[0]: must not be blank or start or end with spaces'],
    ['alarm prefix with a trailing space', ['environments', 0, 'alarms', 'prefixes'], ['shop-prod- '], 'environments[0].alarms.prefixes[0]: must not be blank'],
    ['alarm prefix matching the controller’s own alarms', ['environments', 0, 'alarms', 'prefixes'], ['rollback-'], 'environments[0].alarms.prefixes[0]: would match the controller\'s own alarms (rollback-controller-…)'],
    ['alarm prefix inside the controller’s own alarm names', ['environments', 0, 'alarms', 'prefixes'], ['rollback-controller-shop-'], 'would match the controller\'s own alarms'],
    ['health check URL with credentials', ['environments', 0, 'healthChecks'], [{ url: 'https://admin:hunter2@shop.example.com/health' }], 'environments[0].healthChecks[0].url: must not contain credentials (user:password@)'],
    ['health check redirect policy', ['environments', 0, 'healthChecks'], [{ url: 'https://shop.example.com/health', followRedirects: 'any' }], 'environments[0].healthChecks[0].followRedirects: '],
    ['alarm prefix with a control character', ['environments', 0, 'alarms', 'prefixes'], ['shop-prod-\u0007'], 'environments[0].alarms.prefixes[0]: must not contain control characters'],
    ['function listed twice', ['environments', 0, 'targets', 0, 'functions'], ['shop-prod-api', 'shop-prod-api'], 'environments[0].targets[0].functions: lists a function twice'],
    ['health check URL on the metadata service', ['environments', 0, 'healthChecks'], [{ url: 'http://169.254.169.254/latest/meta-data/' }], 'environments[0].healthChecks[0].url: must not address 169.254.169.254: a link-local address is the instance metadata service'],
    ['health check URL on the metadata service, written as one number', ['environments', 0, 'healthChecks'], [{ url: 'http://2852039166/' }], 'must not address 169.254.169.254'],
    ['health check URL on the metadata service, IPv4-mapped', ['environments', 0, 'healthChecks'], [{ url: 'http://[::ffff:169.254.169.254]/' }], 'must not address [::ffff:a9fe:a9fe]'],
    ['health check URL on the IPv6 metadata service', ['environments', 0, 'healthChecks'], [{ url: 'http://[fd00:ec2::254]/latest' }], 'must not address [fd00:ec2::254]'],
    ['S3 pointer key that is a wildcard', ['environments', 0, 'targets'], [{ ...frontend, pointer: { kind: 'object', key: '*' } }], 'environments[0].targets[0].pointer.key: must not contain * or ? (IAM reads them as wildcards in the grant)'],
    ['S3 pointer key holding an IAM policy variable', ['environments', 0, 'targets'], [{ ...frontend, pointer: { kind: 'object', key: 'live/${aws:username}.json' } }], 'environments[0].targets[0].pointer.key: must not contain ${ (IAM reads ${…} as a policy variable in the grant)'],
    ['releases prefix holding a wildcard', ['environments', 0, 'targets'], [{ ...frontend, releasesPrefix: '?/' }], 'environments[0].targets[0].releasesPrefix: must not contain * or ?'],
    ['site version URL with credentials', ['environments', 0, 'targets'], [{ ...frontend, siteVersionUrl: 'https://user:pass@shop.example.com/version.json' }], 'environments[0].targets[0].siteVersionUrl: must not contain credentials'],
    ['alarm rule matching with a * inside', ['environments', 0, 'alarms', 'rules'], [{ match: 'shop-*-latency', action: 'notify' }], 'environments[0].alarms.rules[0].match: must be an alarm name, or a prefix ending in *'],
    ['alarm rule with an unknown action', ['environments', 0, 'alarms', 'rules'], [{ match: 'shop-prod-latency', action: 'page' }], 'environments[0].alarms.rules[0].action: '],
    ['onInconclusive that is not keep or full', ['environments', 0, 'onInconclusive'], 'rollback', 'environments[0].onInconclusive: '],
    ['error-rate test that allows no error', ['policy'], { validation: { errorRate: { falseAlarmRate: 0 } } }, 'policy.validation.errorRate.falseAlarmRate: '],
    ['drill schedule every minute', ['drills'], { schedule: 'cron(* * * * ? *)' }, 'drills.schedule: runs more than hourly (minutes "*")'],
    ['drill schedule twice an hour', ['drills'], { schedule: 'cron(0,30 9 * * ? *)' }, 'drills.schedule: runs more than hourly (minutes "0,30")'],
    ['drill schedule with five cron fields', ['drills'], { schedule: 'cron(0 9 1 * ?)' }, 'drills.schedule: has 5 cron fields; EventBridge Scheduler takes six'],
  ])('rejects a bad %s with an error naming the field', (_, path, value, expected) => {
    const problems = problemsOf(withField(path, value));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('accepts a drill at one fixed minute of every hour, and health checks on private addresses', () => {
    const problems = problemsOf({ ...validConfig, drills: { schedule: 'cron(15 * ? * MON-FRI *)' }, environments: [{ ...validEnvironment, healthChecks: [{ url: 'http://10.0.0.5:8080/health' }, { url: 'https://[2001:db8::1]/health' }] }] });

    expect(problems).toEqual([]);
  });

  it('rejects duplicate environment names and alarm prefixes that would match two environments', () => {
    const problems = problemsOf({
      application: 'shop',
      environments: [
        validEnvironment,
        { ...validEnvironment, alarms: { prefixes: ['shop-'] } },
        { ...validEnvironment, name: 'staging', alarms: { prefixes: ['shop-prod-eu-'] } },
      ],
    });

    expect(problems).toContain('environments[1].name: duplicates environments[0].name "production"');
    expect(problems).toContain(
      'environments[2].alarms.prefixes[0]: "shop-prod-eu-" overlaps "shop-prod-" of environment "production": an alarm name must match one environment only',
    );
  });

  it('refuses a target type listed twice in one environment, and one resource restored by two environments', () => {
    const problems = problemsOf({
      application: 'shop',
      environments: [
        { ...validEnvironment, targets: [...validEnvironment.targets, { type: 'lambda-alias', alias: 'blue', functions: ['shop-prod-web'] }] },
        { name: 'staging', alarms: { prefixes: ['shop-staging-'] }, targets: [{ type: 'lambda-alias', alias: 'live', functions: ['shop-staging-api', 'shop-prod-api'] }] },
      ],
    });

    expect(problems).toEqual([
      'environments[0].targets[1].type: duplicates targets[0]: each target type appears once per environment',
      'environments[1].targets[0]: restores the same Lambda alias as environments[0].targets[0] (environment "production"): an alarm in one would roll back the other',
    ]);
  });

  it('names the file when it is missing or not JSON', () => {
    const folder = temporaryFolder('config');
    const broken = join(folder, 'broken.json');
    writeFileSync(broken, '{ "application": ');

    expect(() => loadConfig(join(folder, 'absent.json'))).toThrow(/cannot read configuration file .*absent\.json/);
    expect(() => loadConfig(broken)).toThrow(/broken\.json is not valid JSON/);
  });

  it('looks up an environment by name, and lists the known ones when it is unknown', () => {
    const config = parseConfig(validConfig);

    expect(findEnvironment(config, 'production').targets).toEqual([{ type: 'lambda-alias', alias: 'live', functions: ['shop-prod-api'] }]);
    expect(() => findEnvironment(config, 'prod')).toThrow(UnknownEnvironmentError);
    expect(() => findEnvironment(config, 'prod')).toThrow('unknown environment "prod": the configuration knows "production"');
  });
});

describe('alarm prefixes at the scale of an organisation', () => {
  /** The rule as first written: every pair compared. */
  const bruteForce = (environments: { name: string; alarms: { prefixes: string[] } }[]) => {
    const seen: { prefix: string; environment: string; at: string }[] = [];
    const found: string[] = [];
    environments.forEach((environment, index) =>
      environment.alarms.prefixes.forEach((prefix, prefixIndex) => {
        const clash = seen.find((other) => other.environment !== environment.name && (prefix.startsWith(other.prefix) || other.prefix.startsWith(prefix)));
        if (clash) found.push(`${index}/${prefixIndex} ${prefix} ~ ${clash.prefix} (${clash.environment})`);
        seen.push({ prefix, environment: environment.name, at: `${index}/${prefixIndex}` });
      }),
    );
    return found;
  };

  it('finds the same overlaps as comparing every pair, on 200 seeded random configurations of nested prefixes', () => {
    let state = 7;
    const random = (below: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state % below;
    };
    for (let round = 0; round < 200; round += 1) {
      const environments = Array.from({ length: 1 + random(6) }, (_, index) => ({
        name: `e${index}`,
        alarms: { prefixes: Array.from({ length: 1 + random(3) }, () => Array.from({ length: 1 + random(3) }, () => 'ab'[random(2)]).join('')) },
      }));
      const fast = overlappingPrefixes(environments).map(({ later, earlier }) => `${later.environmentIndex}/${later.prefixIndex} ${later.prefix} ~ ${earlier.prefix} (${earlier.environment})`);
      expect(fast).toEqual(bruteForce(environments));
    }
  });

  it('loads 2,000 environments (the most one controller takes), and still names an overlap among them', () => {
    expect(fleetConfig(2_000).environments).toHaveLength(2_000);
    const raw = rawFleetConfig(2_000) as { environments: { alarms: { prefixes: string[] } }[] };
    raw.environments[1_999]!.alarms.prefixes.push('fleet-env12');
    expect(problemsOf(raw)).toEqual(['environments[1999].alarms.prefixes[1]: "fleet-env12" overlaps "fleet-env12-" of environment "env12": an alarm name must match one environment only']);
  });

  it('refuses a 2,001st environment, saying why and what to do: a full rollback journals its scope on one item', () => {
    expect(problemsOf(rawFleetConfig(2_001))).toEqual([
      'environments: at most 2,000 environments in one controller (a full rollback journals its scope on one DynamoDB item): split the application across controllers',
    ]);
  });

  it('names ten environments and counts the rest when a name is unknown among 1,000', () => {
    expect(() => findEnvironment(fleetConfig(1_000), 'nosuch')).toThrow('unknown environment "nosuch": the configuration knows "env0", "env1", "env2", "env3", "env4", "env5", "env6", "env7", "env8", "env9" and 990 more');
  });
});
