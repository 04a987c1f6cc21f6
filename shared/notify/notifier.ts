import type { RollbackLevel, TimelineStep } from '../history/deployment-record';

export type NotificationSeverity = 'info' | 'warning' | 'critical';

/** What people are told about one run; the SNS adapter turns it into Subject, body and attributes. */
export interface RollbackNotification {
  type: 'rollback_result' | 'rollback_skipped' | 'rollback_escalation';
  severity: NotificationSeverity;
  environment: string;
  deploymentId?: string;
  fromVersion?: string;
  toVersion?: string;
  level?: RollbackLevel;
  outcome: string;
  reason: string;
  alarm?: string;
  requestedBy?: string;
  durationMs: number;
  drill: boolean;
  timeline: TimelineStep[];
}

export interface Notifier {
  notify(notification: RollbackNotification): Promise<void>;
}
