import type { SNSClient } from '@aws-sdk/client-sns';
import { loadOnce } from '../aws/load-once';
import type { Delivery, Notifier, RollbackNotification } from './notifier';

/** Loaded when the first outcome is announced: off the orchestrator's cold start. */
const snsSdk = loadOnce(() => import('@aws-sdk/client-sns'));

const SUBJECT_LIMIT = 100;

/** "[DRILL] production rolled_back (stage) 1.4.0 -> 1.3.2": what a pager or inbox shows first. */
export function subjectFor(notification: RollbackNotification): string {
  if (notification.type === 'rollback_observed') return asSubject(`[OBSERVE] ${notification.environment} would roll back ${notification.fromVersion ?? '?'} -> ${notification.toVersion ?? '?'}`);
  const prefix = notification.drill ? '[DRILL] ' : notification.severity === 'critical' ? '[CRITICAL] ' : '';
  const level = notification.level ? ` (${notification.level})` : '';
  const versions = notification.fromVersion ? ` ${notification.fromVersion}${notification.toVersion ? ` -> ${notification.toVersion}` : ''}` : '';
  return asSubject(`${prefix}${notification.environment} ${notification.outcome}${level}${versions}`);
}

/** SNS subjects: printable ASCII, no line breaks, at most 100 characters. */
function asSubject(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, SUBJECT_LIMIT);
}

/** The JSON body subscribers read; field names are a contract with them. */
export function messageFor(notification: RollbackNotification): string {
  return JSON.stringify({
    type: notification.type,
    severity: notification.severity,
    environment: notification.environment,
    deployment: notification.deploymentId,
    runId: notification.runId,
    fromVersion: notification.fromVersion,
    toVersion: notification.toVersion,
    level: notification.level,
    outcome: notification.outcome,
    reason: notification.reason,
    alarm: notification.alarm,
    requestedBy: notification.requestedBy,
    durationMs: notification.durationMs,
    drill: notification.drill,
    // The journal's facts are for resumed runs; readers get the steps as a person reads them.
    timeline: notification.timeline.map(({ at, step, outcome, durationMs, detail }) => ({ at, step, outcome, durationMs, detail })),
  });
}

export class SnsNotifier implements Notifier {
  /** @param sns the client, or how to build it once on first use */
  constructor(
    private readonly sns: () => Promise<SNSClient>,
    private readonly topicArn: string,
  ) {}

  async notify(notification: RollbackNotification): Promise<Delivery> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    const [{ PublishCommand }, sns] = await Promise.all([snsSdk(), this.sns()]);
    await sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subjectFor(notification),
        Message: messageFor(notification),
        MessageAttributes: {
          environment: attribute(notification.environment),
          outcome: attribute(notification.outcome),
          severity: attribute(notification.severity),
          drill: attribute(String(notification.drill)),
        },
      }),
    );
    return 'published';
  }
}
