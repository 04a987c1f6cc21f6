import type { EnvironmentConfig, RollbackConfig } from '../config';
import type { AlarmStateChangeEvent } from '../events/alarm-event';

/**
 * `stillInAlarm`: the alarm was already in ALARM (ALARM → ALARM): never acted on, only announced when
 * it reveals the alarm predates the live deployment.
 */
/** notifyOnly: a rule of the environment says this alarm is announced, never acted on (the rule's match). */
export type AlarmRouting = { act: true; environment: EnvironmentConfig; stillInAlarm?: boolean; notifyOnly?: string } | { act: false; reason: string };

/** The environment's first alarm rule naming the alarm (exact, or a prefix ending in *), if any. Pure. */
export function alarmRuleFor(environment: EnvironmentConfig, alarmName: string): EnvironmentConfig['alarms']['rules'][number] | undefined {
  return environment.alarms.rules.find((rule) => (rule.match.endsWith('*') ? alarmName.startsWith(rule.match.slice(0, -1)) : alarmName === rule.match));
}

function routed(environment: EnvironmentConfig, alarmName: string, stillInAlarm: boolean): AlarmRouting {
  const rule = alarmRuleFor(environment, alarmName);
  return { act: true, environment, ...(stillInAlarm ? { stillInAlarm } : {}), ...(rule?.action === 'notify' ? { notifyOnly: rule.match } : {}) };
}

/** Why an ALARM → ALARM change is not acted on. */
export function notATransition(alarmName: string): string {
  return `alarm ${alarmName} was already in ALARM: not a transition into ALARM`;
}

/**
 * Whether an alarm event is a reason to act, and for which environment. Pure.
 * Only a transition *into* ALARM acts; suppressed or muted alarms are the operator asking for silence.
 */
export function routeAlarm(config: RollbackConfig, event: AlarmStateChangeEvent): AlarmRouting {
  const { alarmName, state, previousState, alarmTags, muteDetail } = event.detail;
  if (state.value !== 'ALARM') return { act: false, reason: `alarm ${alarmName} is ${state.value}, not ALARM` };
  const stillInAlarm = previousState?.value === 'ALARM';
  if (stillInAlarm && previousState.timestamp === undefined) return { act: false, reason: notATransition(alarmName) };
  if (state.actionsSuppressedBy) {
    return {
      act: false,
      reason: `alarm ${alarmName} has its actions suppressed (${state.actionsSuppressedBy}${state.actionsSuppressedReason ? `: ${state.actionsSuppressedReason}` : ''})`,
    };
  }
  if (muteDetail !== undefined && muteDetail !== null) return { act: false, reason: `alarm ${alarmName} is muted by an alarm mute rule` };

  const taggedEnvironment = alarmTags?.environment;
  if (taggedEnvironment !== undefined) {
    const environment = config.environments.find((candidate) => candidate.name === taggedEnvironment);
    return environment
      ? routed(environment, alarmName, stillInAlarm)
      : { act: false, reason: `alarm ${alarmName} is tagged environment=${taggedEnvironment}, which the configuration does not describe` };
  }
  const environment = config.environments.find((candidate) => candidate.alarms.prefixes.some((prefix) => alarmName.startsWith(prefix)));
  return environment ? routed(environment, alarmName, stillInAlarm) : { act: false, reason: `alarm ${alarmName} matches no environment's alarm prefixes` };
}
