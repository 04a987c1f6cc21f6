import type { EnvironmentMode, RollbackConfig } from '../../shared/config';
import { SANDBOX_ALARM_SHAPE, type SandboxFaults } from '../../shared/sandbox/sandbox-world';
import { describeShape } from '../../shared/validation/alarm-recovery';
import { TARGET_PLUGINS } from '../../shared/targets/target-registry';
import { scenariosOf, type AnyTargetPlugin, type TargetScenario } from '../../shared/targets/target-plugin';
import { UsageError } from '../cli-errors';

export interface Scenario {
  name: string;
  /** What happens, in one line, printed before the drill. */
  story: string;
  /** Environments that get the new, bad release before the alarm (promotion order); the alarm fires in the last. */
  deployBadReleaseTo(config: RollbackConfig): string[];
  /** The sandbox's scripted faults, given the bad version; printed with the drill. */
  faults(badVersion: string): SandboxFaults;
  /** How many alarm deliveries arrive at once. */
  alarmDeliveries: number;
  /** A second, later alarm (sandbox minutes after the first run) — the cooldown scenario. */
  secondAlarmAfterMinutes?: number;
  /** The drill's table is made afresh and left empty (no demo history seeded). */
  usesEmptyHistory?: boolean;
  /** The alarm's environment runs in this mode for the drill (the configuration file is not changed). */
  environmentMode?: EnvironmentMode;
  /** A person pauses the alarm's environment before the alarm (lifted again when the drill ends). */
  pauseBefore?: { by: string; reason: string; minutes: number };
  /** What sets it off: an alarm (default), or the pipeline reporting a deploy that failed after moving traffic. */
  trigger?: 'alarm' | 'deploy_failure';
  /** The alarm has been in ALARM this long when it is delivered (since before the bad release): its event says ALARM → ALARM. */
  alarmInAlarmForMinutes?: number;
  /**
   * The alarm's environment lives in another account and region for the drill (reached through this
   * role); an alarm of the same name from the controller's own account arrives first and is ignored.
   */
  elsewhere?: { account: string; region: string; roleArn: string };
}

const RECOVERY_MS = 25_000;

const production = () => ['production'];

const BUILT_IN: Scenario[] = [
  {
    name: 'stage-recovers',
    story: 'a new release breaks production; rolling production back (stage level) fixes it',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
  },
  {
    name: 'stage-fails',
    story: 'the release is in staging and production; production stays broken while staging still runs it: the stage validation gives up early on hard evidence, and the full rollback saves it',
    deployBadReleaseTo: () => ['staging', 'production'],
    faults: (bad) => ({ badVersions: [bad], contagiousVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
  },
  {
    name: 'all-fail',
    story: 'the alarm has a cause no rollback can fix: stage and full rollbacks both fail validation, and it escalates',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], alarmsNeverClear: true, recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
  },
  {
    name: 'no-deployment',
    story: 'an alarm fires for an environment with no recorded deployment: nothing to roll back, and it says so',
    deployBadReleaseTo: () => [],
    faults: () => ({ badVersions: [], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
    usesEmptyHistory: true,
  },
  {
    name: 'storm',
    story: 'one bad release trips 50 alarm deliveries at once: exactly one rollback, 49 duplicates',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 50,
  },
  {
    name: 'observe',
    story: 'production runs in observe mode (a trial week before going live): the alarm is decided and announced as what would have happened, and nothing changes',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
    environmentMode: 'observe',
  },
  {
    name: 'paused',
    story: 'the on-call engineer paused automation in production during an incident: the alarm is announced as skipped, naming who paused it and until when',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
    pauseBefore: { by: 'ana.oncall', reason: 'incident 42: database failover in progress', minutes: 120 },
  },
  {
    name: 'deploy-failure',
    story: 'the production deploy moves traffic, then its smoke tests fail; the pipeline reports it and the failed deploy is rolled back at once, before any alarm (rollbackOnDeployFailure)',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 0,
    trigger: 'deploy_failure',
  },
  {
    name: 'alarm-before-deploy',
    story: 'a database incident put the production alarm in ALARM 30 minutes ago; a release went out 20 minutes ago; the alarm changes again now: it predates the release, so it is announced, not blamed on the release',
    deployBadReleaseTo: production,
    faults: () => ({ badVersions: [], alarmsNeverClear: true, recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
    alarmInAlarmForMinutes: 30,
  },
  {
    name: 'no-traffic',
    story: 'a bad release goes out at night; the alarm fires, the rollback restores production, and then nobody calls the service: its alarm goes quiet with no datapoints, so there is no evidence either way — the run ends unverified, the restore stays, and nothing widens',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], noTraffic: true, recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
  },
  {
    name: 'still-bad',
    story: 'the known good fails too (a data change both versions choke on: 10% of its invocations error, against 0.17% before the bad release) and the health check is shallow (always 200); its own traffic shows it at the first poll after the restore (a sequential test), not after the 60 s x 3 alarm\'s 120 s recovery window, and it escalates',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], alarmsNeverClear: true, shallowHealth: true, recoveryMs: RECOVERY_MS, alarmShape: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 } }),
    alarmDeliveries: 1,
  },
  {
    name: 'cross-account',
    story: 'production lives in account 222222222222 (us-east-1); its alarm is forwarded to the controller, which restores and validates it through its role there — and the same alarm name from the controller\'s own account is ignored',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
    elsewhere: { account: '222222222222', region: 'us-east-1', roleArn: 'arn:aws:iam::222222222222:role/rbc-demo-shop-member' },
  },
  {
    name: 'cooldown',
    story: 'a rollback succeeds; another alarm two minutes later is held back by the cooldown instead of rolling back again',
    deployBadReleaseTo: production,
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
    secondAlarmAfterMinutes: 2,
  },
];

/** A target's own scenario: the bad release in the last environment that has the target, restored through it. */
function targetScenario(plugin: AnyTargetPlugin, scenario: TargetScenario): Scenario {
  return {
    name: scenario.name,
    story: scenario.story,
    deployBadReleaseTo: (config) => {
      const environment = config.environments.findLast((candidate) => candidate.targets.some((target) => target.type === plugin.type));
      if (!environment) throw new UsageError(`the ${scenario.name} scenario restores a ${plugin.title}, and no environment in the configuration has one`);
      return [environment.name];
    },
    faults: (bad) => ({
      badVersions: [bad],
      recoveryMs: RECOVERY_MS,
      ...(scenario.refusesRestore ? { refusingTargets: [plugin.type] } : {}),
      ...(scenario.twinFault ? { targetFaults: { [plugin.type]: scenario.twinFault } } : {}),
    }),
    alarmDeliveries: 1,
  };
}

/** Every scenario: the engine's own, then each target's. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map(
  [...BUILT_IN, ...TARGET_PLUGINS.flatMap((plugin) => scenariosOf(plugin).map((scenario) => targetScenario(plugin, scenario)))].map((scenario) => [scenario.name, scenario]),
);
export const SCENARIO_NAMES: readonly string[] = [...SCENARIOS.keys()];
export type ScenarioName = string;

/** The faults in words, so a drill says exactly what it simulated. */
export function describeFaults(faults: SandboxFaults): string[] {
  const lines = [`alarms fire in any environment running ${faults.badVersions.join(', ') || '(none)'}`];
  if (faults.contagiousVersions?.length) lines.push(`every environment's alarms fire while any environment still runs ${faults.contagiousVersions.join(', ')}`);
  if (faults.alarmsNeverClear) lines.push('alarms never clear, whatever is rolled back');
  if (faults.restoreFailsIn?.length) lines.push(`restores fail in ${faults.restoreFailsIn.join(', ')}`);
  if (faults.refusingTargets?.length) lines.push(`${faults.refusingTargets.join(', ')} refuses to restore`);
  for (const [type, fault] of Object.entries(faults.targetFaults ?? {})) lines.push(`${type}: ${fault}`);
  lines.push(`alarms clear ${faults.recoveryMs / 1_000} s (sandbox time) after their cause is gone (${describeShape(faults.alarmShape ?? SANDBOX_ALARM_SHAPE)})`);
  if (faults.alarmActionsDisabled) lines.push('the alarms’ actions are disabled (ActionsEnabled false)');
  if (faults.alarmInAlarmSince) lines.push(`the alarms have been in ALARM since ${faults.alarmInAlarmSince}`);
  if (faults.noTraffic) lines.push('no traffic: the alarms get no datapoints and the functions no invocations');
  if (faults.shallowHealth) lines.push('the health endpoint answers 200 whatever runs (a shallow health check)');
  return lines;
}
