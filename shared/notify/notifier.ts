import type { JournalStep, RollbackLevel } from '../history/run-journal';

export type NotificationSeverity = 'info' | 'warning' | 'critical';

export const NOTIFICATION_TYPES = ['rollback_started', 'rollback_result', 'rollback_skipped', 'rollback_escalation', 'rollback_handover', 'rollback_observed', 'rollback_not_ready'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** What people are told about one run; the SNS adapter turns it into Subject, body and attributes. */
export interface RollbackNotification {
  type: NotificationType;
  severity: NotificationSeverity;
  environment: string;
  deploymentId?: string;
  runId?: string;
  fromVersion?: string;
  toVersion?: string;
  level?: RollbackLevel;
  outcome: string;
  reason: string;
  alarm?: string;
  requestedBy?: string;
  /** The IAM identity verified for a request through the request URL. */
  verifiedBy?: string;
  durationMs: number;
  drill: boolean;
  timeline: JournalStep[];
}

/** How it got out: to the results topic, or (the topic failing) to the fallback where the failed-events alarm sees it. */
export type Delivery = 'published' | 'fallback';

export interface Notifier {
  /** Throws when the notification reached nobody. */
  notify(notification: RollbackNotification): Promise<Delivery>;
}
