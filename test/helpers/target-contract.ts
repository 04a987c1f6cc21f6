import { describe, expect, it } from 'vitest';
import { parseConfig, type TargetConfig } from '../../shared/config';
import { problemsOf } from './config-problems';
import { SandboxSlot } from '../../shared/sandbox/sandbox-world';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { restorePointOf } from '../../shared/targets/target-registry';
import type { AnyTargetPlugin, ArnBuilder, TargetIam, TargetRestoreRequest } from '../../shared/targets/target-plugin';

/** ARNs as the stack builds them in the test account and region (partition "aws"). */
export const testArn = (region = 'eu-west-1'): ArnBuilder => (service, resource, options = {}) =>
  `arn:aws:${service}:${options.region ?? region}:${options.account ?? '123456789012'}:${resource}`;

/** What a target declares for one purpose: action → its resources, each once, sorted. */
export function declaredGrants(iam: TargetIam, purpose: keyof TargetIam): Record<string, string[]> {
  const grants: Record<string, Set<string>> = {};
  for (const statement of iam[purpose]) for (const action of statement.actions) for (const resource of statement.resources) (grants[action] ??= new Set()).add(resource);
  return Object.fromEntries(Object.entries(grants).map(([action, resources]) => [action, [...resources].sort()]));
}

/** A restore request of production from 2.0.0 back to 1.9.3 (known good `good-1`), as a run on an alarm makes it. */
export function restoreRequest<Config, Point>(config: Config, points: { from?: Point; to: Point }, overrides: Partial<TargetRestoreRequest<Config, Point>> = {}): TargetRestoreRequest<Config, Point> {
  return { environment: 'production', runId: 'run-7', config, ...points, fromVersion: '2.0.0', fromDeploymentId: 'bad-1', toVersion: '1.9.3', toDeploymentId: 'good-1', reason: 'alarm', simulate: false, resumed: false, ...overrides };
}

export interface TargetContract {
  plugin: AnyTargetPlugin;
  /** A valid config section of the target (in the test stack's account and region, eu-west-1). */
  config: TargetConfig;
  /** The bad deployment's restore point, and the known good's. */
  bad: unknown;
  good: unknown;
  /** Values of the target's `record` flag that give `good`. */
  flagValues: string[];
  /** A field of the config, a value it refuses, and the error expected after `environments[0].targets[0].`. */
  invalid: { field: string; value: unknown; problem: string };
  /** Exactly what each function needs for the target — restore (orchestrator), check (validator), capture (recorder): action → resources. */
  iam: Record<keyof TargetIam, Record<string, string[]>>;
  /** Conditions expected on the statement granting an action. */
  conditions?: Record<string, unknown>;
  /** Actions AWS allows on "*" only, each with the reason cdk-nag is given. */
  wildcards?: string[];
}


/**
 * What every target plugin must do, checked the same way for each: its config errors name the
 * field; its sandbox twin restores, keeps the promise it makes the validator, and in a drill changes
 * nothing; its record flag gives its restore point; the stack grants exactly the IAM it declares.
 */
export function describeTargetContract(contract: TargetContract): void {
  const { plugin } = contract;
  const config = plugin.configSchema.parse(contract.config);
  const environment = { name: 'production', alarms: { prefixes: ['shop-prod-'] }, targets: [contract.config] };
  const request = (overrides: Partial<TargetRestoreRequest<unknown, unknown>> = {}): TargetRestoreRequest<unknown, unknown> => ({
    environment: 'production',
    runId: 'run-1',
    config,
    from: contract.bad,
    to: contract.good,
    fromVersion: '2.0.0',
    fromDeploymentId: 'bad-1',
    toVersion: '1.0.0',
    toDeploymentId: 'good-1',
    reason: 'contract',
    simulate: false,
    resumed: false,
    ...overrides,
  });
  const twinAt = (point: unknown) => {
    const slot = new SandboxSlot<unknown>('production');
    slot.value = point;
    return { slot, twin: plugin.sandbox({ environment: 'production', slot }) };
  };

  describe(`the ${plugin.title} target keeps the plugin contract`, () => {
    it('its config section parses in an environment, and a bad field is refused by name', () => {
      expect(parseConfig({ application: 'shop', environments: [environment] }).environments[0]?.targets).toEqual([config]);
      const broken = { ...contract.config, [contract.invalid.field]: contract.invalid.value };

      expect(problemsOf({ application: 'shop', environments: [{ ...environment, targets: [broken] }] })).toEqual([expect.stringContaining(`environments[0].targets[0].${contract.invalid.problem}`)]);
    });

    it('its sandbox twin restores the known good and then passes the check of every promise it made', async () => {
      const { twin } = twinAt(contract.bad);

      const result = await twin.restore(request());

      expect(result.outcome).toBe('restored');
      // A target that records nothing (a hook) is its own answer: it promises nothing to observe.
      if (!plugin.recordsNothing) expect(result.expectations?.length).toBeGreaterThan(0);
      for (const expectation of result.expectations ?? []) {
        expect(plugin.expectationSchema.parse(expectation)).toEqual(expectation);
        expect(await twin.check(config, expectation)).toMatchObject({ passed: true });
      }
      expect(plugin.restorePointSchema.safeParse(await twin.capture(config, {})).success).toBe(true);
    });

    it('the check of a promise fails, saying what it saw, while the bad version is still live', async () => {
      const { expectations = [] } = await twinAt(contract.bad).twin.restore(request());
      const { twin: untouched } = twinAt(contract.bad);

      for (const expectation of expectations) {
        const observation = await untouched.check(config, expectation);
        expect(observation.passed).toBe(false);
        expect(observation.detail).not.toBe('');
      }
    });

    it('in a drill its twin says what it would do and changes nothing', async () => {
      const { twin, slot } = twinAt(contract.bad);

      const result = await twin.restore(request({ simulate: true }));

      expect(result).toMatchObject({ outcome: 'would_restore', detail: expect.stringMatching(/^would /) });
      expect(slot.value).toEqual(contract.bad);
    });

    it(plugin.recordsNothing ? 'it records nothing: no record flag, and every record holds its (empty) restore point' : 'its restore point can be given by hand with its record flag, and reads well', () => {
      if (plugin.recordsNothing) {
        expect(plugin.recordFlag).toBeUndefined();
        expect(restorePointOf({ deploymentId: 'd-1' } as DeploymentRecord, plugin)).toEqual({ point: {} });
        expect(plugin.describeConfig(config)).not.toBe('');
        return;
      }
      expect(plugin.recordFlag).toBeDefined();
      expect(plugin.restorePointSchema.parse(plugin.recordFlag!.parse(contract.flagValues, config))).toEqual(contract.good);
      expect(plugin.describeRestorePoint(contract.good)).not.toBe('');
      expect(plugin.describeConfig(config)).not.toBe('');
    });

    it('accepts its known good as addressing the configured resource, against the bad one live, and its demo points too', () => {
      expect(plugin.pointProblems(config, contract.good, contract.bad)).toEqual([]);
      expect(plugin.pointProblems(config, plugin.demoRestorePoint(config, { version: '1.3.0', number: 13 }), plugin.demoRestorePoint(config, { version: '1.4.0', number: 14 }))).toEqual([]);
    });

    it('declares for each function exactly the actions it needs, on exactly its resources, a wildcard only where AWS allows nothing narrower', () => {
      const iam = plugin.iam(config, testArn(config.region));

      for (const purpose of ['restore', 'check', 'capture', 'readiness'] as const) {
        expect({ purpose, grants: declaredGrants(iam, purpose) }).toEqual({ purpose, grants: Object.fromEntries(Object.entries(contract.iam[purpose]).map(([action, resources]) => [action, [...resources].sort()])) });
        for (const statement of iam[purpose]) {
          for (const action of statement.actions) if (contract.conditions?.[action]) expect(statement.conditions).toEqual(contract.conditions[action]);
          const isWildcard = statement.resources.some((resource) => resource.includes('*'));
          expect({ actions: statement.actions, isWildcard, hasReason: Boolean(statement.wildcardReason) }).toEqual({
            actions: statement.actions,
            isWildcard: statement.actions.some((action) => contract.wildcards?.includes(action)),
            hasReason: isWildcard,
          });
        }
      }
    });
  });
}
