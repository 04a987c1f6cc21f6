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

/**
 * An alarm from an account or region the environment is not in (forwarded from another account's
 * bus, say) is someone else's alarm that happens to share the name: why, or undefined when it may be
 * this environment's. Events that do not say where they come from (hand-written test events) pass. Pure.
 */
export function placeMismatch(environment: EnvironmentConfig, event: Pick<AlarmStateChangeEvent, 'account' | 'region'>, alarmName: string): string | undefined {
  if (environment.account && event.account && event.account !== environment.account) {
    return `alarm ${alarmName} came from account ${event.account}, but ${environment.name} is in account ${environment.account}: not its alarm`;
  }
  if (environment.region && event.region && event.region !== environment.region) {
    return `alarm ${alarmName} came from region ${event.region}, but ${environment.name} is in ${environment.region}: not its alarm`;
  }
  return undefined;
}

function routed(environment: EnvironmentConfig, event: AlarmStateChangeEvent, stillInAlarm: boolean): AlarmRouting {
  const { alarmName } = event.detail;
  const elsewhere = placeMismatch(environment, event, alarmName);
  if (elsewhere) return { act: false, reason: elsewhere };
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
      ? routed(environment, event, stillInAlarm)
      : { act: false, reason: `alarm ${alarmName} is tagged environment=${taggedEnvironment}, which the configuration does not describe` };
  }
  const environment = config.environments.find((candidate) => candidate.alarms.prefixes.some((prefix) => alarmName.startsWith(prefix)));
  return environment ? routed(environment, event, stillInAlarm) : { act: false, reason: `alarm ${alarmName} matches no environment's alarm prefixes` };
}
