import type { SandboxFaults } from '../../shared/sandbox/sandbox-world';

export const SCENARIO_NAMES = ['stage-recovers', 'stage-fails', 'all-fail', 'no-deployment', 'storm', 'cooldown'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Scenario {
  name: ScenarioName;
  /** What happens, in one line, printed before the drill. */
  story: string;
  /** Environments that get the new, bad release before the alarm (promotion order). */
  deployBadReleaseTo: string[];
  /** The sandbox's scripted faults, given the bad version; printed with the drill. */
  faults(badVersion: string): SandboxFaults;
  /** How many alarm deliveries arrive at once. */
  alarmDeliveries: number;
  /** A second, later alarm (sandbox minutes after the first run) — the cooldown scenario. */
  secondAlarmAfterMinutes?: number;
  /** Runs on an empty scratch table instead of the accumulated local history. */
  usesEmptyHistory?: boolean;
}

const RECOVERY_MS = 25_000;

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  'stage-recovers': {
    name: 'stage-recovers',
    story: 'a new release breaks production; rolling production back (stage level) fixes it',
    deployBadReleaseTo: ['production'],
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
  },
  'stage-fails': {
    name: 'stage-fails',
    story: 'the release is in staging and production; production stays broken while staging still runs it, so the full rollback saves it',
    deployBadReleaseTo: ['staging', 'production'],
    faults: (bad) => ({ badVersions: [bad], contagiousVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
  },
  'all-fail': {
    name: 'all-fail',
    story: 'the alarm has a cause no rollback can fix: stage and full rollbacks both fail validation, and it escalates',
    deployBadReleaseTo: ['production'],
    faults: (bad) => ({ badVersions: [bad], alarmsNeverClear: true, recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
  },
  'no-deployment': {
    name: 'no-deployment',
    story: 'an alarm fires for an environment with no recorded deployment: nothing to roll back, and it says so',
    deployBadReleaseTo: [],
    faults: () => ({ badVersions: [], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
    usesEmptyHistory: true,
  },
  storm: {
    name: 'storm',
    story: 'one bad release trips 50 alarm deliveries at once: exactly one rollback, 49 duplicates',
    deployBadReleaseTo: ['production'],
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 50,
  },
  cooldown: {
    name: 'cooldown',
    story: 'a rollback succeeds; another alarm two minutes later is held back by the cooldown instead of rolling back again',
    deployBadReleaseTo: ['production'],
    faults: (bad) => ({ badVersions: [bad], recoveryMs: RECOVERY_MS }),
    alarmDeliveries: 1,
    secondAlarmAfterMinutes: 2,
  },
};

/** The faults in words, so a drill says exactly what it simulated. */
export function describeFaults(faults: SandboxFaults): string[] {
  const lines = [`alarms fire in any environment running ${faults.badVersions.join(', ') || '(none)'}`];
  if (faults.contagiousVersions?.length) lines.push(`every environment's alarms fire while any environment still runs ${faults.contagiousVersions.join(', ')}`);
  if (faults.alarmsNeverClear) lines.push('alarms never clear, whatever is rolled back');
  if (faults.restoreFailsIn?.length) lines.push(`restores fail in ${faults.restoreFailsIn.join(', ')}`);
  lines.push(`alarms clear ${faults.recoveryMs / 1_000} s (sandbox time) after their cause is gone`);
  return lines;
}
