import type { SNSClient } from '@aws-sdk/client-sns';
import { loadOnce } from '../aws/load-once';
import { consoleLinks, type ConsoleLinkContext, type ConsoleLinks } from './console-links';
import { describeEvidence, lastValidationStep, verdictSummary } from '../history/run-journal';
import type { Delivery, Notifier, RollbackNotification } from './notifier';

/** Loaded when the first outcome is announced: off the orchestrator's cold start. */
const snsSdk = loadOnce(() => import('@aws-sdk/client-sns'));

const SUBJECT_LIMIT = 100;

/** "[DRILL] production rolled_back (stage) 1.4.0 -> 1.3.2": what a pager or inbox shows first. */
export function subjectFor(notification: RollbackNotification): string {
  if (notification.type === 'rollback_observed') return asSubject(`[OBSERVE] ${notification.environment} would roll back ${notification.fromVersion ?? '?'} -> ${notification.toVersion ?? '?'}`);
  if (notification.type === 'rollback_not_ready') return asSubject(`[NOT READY] ${notification.environment} cannot roll back ${notification.fromVersion ?? ''}`.trim());
  const prefix = notification.drill ? '[DRILL] ' : notification.severity === 'critical' ? '[CRITICAL] ' : '';
  const level = notification.level ? ` (${notification.level})` : '';
  const versions = notification.fromVersion ? ` ${notification.fromVersion}${notification.toVersion ? ` -> ${notification.toVersion}` : ''}` : '';
  return asSubject(`${prefix}${notification.environment} ${notification.outcome}${level}${versions}`);
}

/** SNS subjects: printable ASCII, no line breaks, at most 100 characters. */
function asSubject(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, SUBJECT_LIMIT);
}

/** SNS takes a message of at most 256 KiB (UTF-8); the body keeps a margin under it. */
export const SNS_MESSAGE_LIMIT_BYTES = 262_144;
const BODY_BUDGET_BYTES = SNS_MESSAGE_LIMIT_BYTES - 2_048;
const SHORT_DETAIL = 300;

/**
 * The JSON body subscribers read; field names are a contract with them. It always fits SNS: a long
 * run's step details are cut, then its middle steps left out (`omittedSteps` says how many) — the
 * first and last steps and the verdict stay; at the very last the reason is cut to 4,000 characters.
 */
export function messageFor(notification: RollbackNotification, links?: ConsoleLinks): string {
  const validation = lastValidationStep(notification.timeline, notification.runId);
  // The journal's facts are for resumed runs; readers get the steps as a person reads them, and the verdict with its evidence.
  const steps = notification.timeline.map(({ at, step, outcome, durationMs, detail }) => ({ at, step, outcome, durationMs, detail }));
  const body = (timeline: typeof steps, omittedSteps = 0, reason = notification.reason) =>
    JSON.stringify({
      type: notification.type,
      severity: notification.severity,
      environment: notification.environment,
      deployment: notification.deploymentId,
      runId: notification.runId,
      fromVersion: notification.fromVersion,
      toVersion: notification.toVersion,
      level: notification.level,
      outcome: notification.outcome,
      reason,
      alarm: notification.alarm,
      requestedBy: notification.requestedBy,
      ...(notification.verifiedBy ? { verifiedBy: notification.verifiedBy } : {}),
      durationMs: notification.durationMs,
      drill: notification.drill,
      timeline,
      ...(omittedSteps > 0 ? { omittedSteps } : {}),
      ...(validation ? { validation: verdictSummary(validation) } : {}),
      links,
    });
  const fits = (text: string) => Buffer.byteLength(text, 'utf8') <= BODY_BUDGET_BYTES;
  const whole = body(steps);
  if (fits(whole)) return whole;
  const short = steps.map((step) => ({ ...step, detail: step.detail.length > SHORT_DETAIL ? `${step.detail.slice(0, SHORT_DETAIL - 1)}…` : step.detail }));
  for (let keep = short.length; keep > 2; keep = Math.floor(keep / 2)) {
    const head = Math.ceil(keep / 2);
    const timeline = keep >= short.length ? short : [...short.slice(0, head), ...short.slice(short.length - (keep - head))];
    const text = body(timeline, short.length - timeline.length);
    if (fits(text)) return text;
  }
  return body(short.length <= 2 ? short : [short[0]!, short.at(-1)!], Math.max(0, short.length - 2), notification.reason.length > 4_000 ? `${notification.reason.slice(0, 3_999)}…` : notification.reason);
}

/** "*Verdict:* not_recovered (stage) — decided by …": the validation in a line for chat, with its deciding evidence. Pure. */
function verdictLine(notification: RollbackNotification): string | undefined {
  const step = lastValidationStep(notification.timeline, notification.runId);
  if (!step) return undefined;
  const { verdict, level, decidedBy, evidence } = verdictSummary(step);
  const deciding = decidedBy ? evidence.find((item) => item.environment === decidedBy.environment && item.check === decidedBy.check) : undefined;
  const why = deciding ? describeEvidence(deciding) : decidedBy ? `${decidedBy.environment} ${decidedBy.check}: ${decidedBy.detail}` : `${evidence.length} piece(s) of evidence`;
  return `*Verdict:* ${verdict} (${level}) — ${verdict === 'inconclusive' ? 'missing: ' : verdict === 'not_recovered' ? 'decided by ' : ''}${why}`;
}

const CHAT_DESCRIPTION_LIMIT = 3_000;
const NEXT_STEPS: Record<RollbackNotification['type'], (notification: RollbackNotification) => string[]> = {
  rollback_started: (n) => [`Watch it: \`rollbackctl history --env ${n.environment}\``, `Stop automation here if it is wrong: \`rollbackctl pause --env ${n.environment} --for 1h --reason "…"\``],
  rollback_result: (n) =>
    n.outcome === 'unverified'
      ? [`Nothing showed whether ${n.environment} recovered (the reason says what was missing): check it by hand — its dashboard, a real request — then \`rollbackctl show ${n.deploymentId ?? '<deployment>'}\` for the evidence`]
      : [`Find the cause before redeploying; \`rollbackctl gate --env ${n.environment}\` holds CI back during the cooldown`],
  rollback_skipped: (n) => [`Check \`rollbackctl history --env ${n.environment}\`: why it skipped is above`],
  rollback_escalation: (n) => [`A person must act now: \`rollbackctl history --env ${n.environment}\`, then \`rollbackctl rollback --env ${n.environment} --to <version>\``, 'See the runbook: docs/runbook.md'],
  rollback_handover: () => ['The reconciler resumes the run within minutes; if another handover follows, see docs/runbook.md'],
  rollback_observed: (n) => [`Observe mode changed nothing. Set "mode": "act" for ${n.environment} when these look right`],
  rollback_not_ready: (n) => [`A rollback of ${n.environment} now would not work as things stand: \`rollbackctl status --env ${n.environment}\` shows what is missing; record a deployment that can be restored, or fix the target`],
};

/**
 * The same notification as an AWS Chatbot (Amazon Q Developer in chat applications) custom
 * notification, for a topic a Slack or Teams channel subscribes to: a readable card, threaded per run. Pure.
 */
export function chatMessageFor(notification: RollbackNotification, links?: ConsoleLinks): string {
  const icon = notification.severity === 'critical' ? ':rotating_light:' : notification.severity === 'warning' ? ':warning:' : ':information_source:';
  const lines = [
    notification.reason,
    verdictLine(notification),
    notification.alarm ? `*Alarm:* ${notification.alarm}` : undefined,
    notification.requestedBy ? `*Requested by:* ${notification.requestedBy}${notification.verifiedBy ? ` (verified: ${notification.verifiedBy})` : ''}` : undefined,
    notification.deploymentId ? `*Deployment:* ${notification.deploymentId}` : undefined,
    links ? `<${links.dashboard}|Dashboard>${links.logs ? ` · <${links.logs}|Run logs>` : ''}` : undefined,
  ].filter((line): line is string => line !== undefined);
  return JSON.stringify({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: `${icon} ${subjectFor(notification)}`,
      description: lines.join('\n').slice(0, CHAT_DESCRIPTION_LIMIT),
      nextSteps: NEXT_STEPS[notification.type](notification),
      keywords: [notification.environment, notification.severity, notification.outcome],
    },
    metadata: {
      // Every message of one run lands in one thread.
      ...(notification.runId ? { threadId: `${notification.environment}-${notification.runId}`.slice(0, 128) } : {}),
      summary: subjectFor(notification),
      eventType: notification.type,
      additionalContext: { environment: notification.environment, severity: notification.severity, drill: String(notification.drill) },
    },
  });
}

export interface SnsNotifierOptions {
  /** Console links in every message (region, dashboard, the orchestrator's log group). */
  links?: ConsoleLinkContext;
  /** A second topic that gets each notification as an AWS Chatbot custom notification. */
  chatTopicArn?: string;
  /** The chat topic is a courtesy copy: its failure is reported here, never instead of the outcome. */
  onChatFailure?: (error: Error) => void;
}

export class SnsNotifier implements Notifier {
  /** @param sns the client, or how to build it once on first use */
  constructor(
    private readonly sns: () => Promise<SNSClient>,
    private readonly topicArn: string,
    private readonly options: SnsNotifierOptions = {},
  ) {}

  async notify(notification: RollbackNotification): Promise<Delivery> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    const [{ PublishCommand }, sns] = await Promise.all([snsSdk(), this.sns()]);
    const { links: linkContext, chatTopicArn, onChatFailure } = this.options;
    const links = linkContext ? consoleLinks(linkContext, notification.runId) : undefined;
    const outcome = new PublishCommand({
      TopicArn: this.topicArn,
      Subject: subjectFor(notification),
      Message: messageFor(notification, links),
      MessageAttributes: {
        environment: attribute(notification.environment),
        outcome: attribute(notification.outcome),
        severity: attribute(notification.severity),
        drill: attribute(String(notification.drill)),
        type: attribute(notification.type),
      },
    });
    const chat = chatTopicArn
      ? sns.send(new PublishCommand({ TopicArn: chatTopicArn, Message: chatMessageFor(notification, links) })).catch((error: Error) => onChatFailure?.(error))
      : undefined;
    await Promise.all([sns.send(outcome), chat]);
    return 'published';
  }
}
