// Namespace import: lets esbuild drop zod's locales (~250 KB) from the bundles.
import * as z from 'zod';

/** Timestamps from AWS fall in these years; an extended year (`+010000-…`) cannot be stored or compared as text. */
const EARLIEST = Date.parse('2000-01-01T00:00:00.000Z');
const LATEST = Date.parse('3000-01-01T00:00:00.000Z');

/** CloudWatch writes offsets without a colon ("+0000"); accept both that and plain ISO-8601, in a sane range of years. */
export const cloudWatchTimestamp = z
  .string()
  .max(64)
  .transform((text, context) => {
    const date = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isNaN(date.getTime()) || !/^\d{4}-/.test(text)) {
      context.addIssue({ code: 'custom', message: `not a timestamp: "${text.slice(0, 64)}"` });
      return z.NEVER;
    }
    if (date.getTime() < EARLIEST || date.getTime() >= LATEST) {
      context.addIssue({ code: 'custom', message: `"${text}" is not a time an AWS event carries (years 2000 to 2999)` });
      return z.NEVER;
    }
    return date.toISOString();
  });

/** CloudWatch's own limits (PutMetricAlarm, SetAlarmState): anything longer did not come from it. */
export const ALARM_NAME_MAX = 255;
const STATE_REASON_MAX = 1_023;

const alarmState = z.object({
  value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: z.string().max(STATE_REASON_MAX).default(''),
  timestamp: cloudWatchTimestamp,
  /** Composite alarms only: WaitPeriod | ExtensionPeriod | Alarm while a suppressor holds actions back. */
  actionsSuppressedBy: z.string().max(64).optional(),
  actionsSuppressedReason: z.string().max(STATE_REASON_MAX).optional(),
});

/**
 * EventBridge "CloudWatch Alarm State Change" from aws.cloudwatch: metric, metric-math, anomaly-detection,
 * Metrics Insights and composite alarms share this envelope; only what the controller reads is required.
 */
export const alarmStateChangeSchema = z.object({
  id: z.string().min(1).max(256),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().max(12).optional(),
  region: z.string().max(32).optional(),
  time: cloudWatchTimestamp,
  resources: z.array(z.string().max(2_048)).max(100).default([]),
  detail: z.object({
    alarmName: z.string().min(1).max(ALARM_NAME_MAX),
    state: alarmState,
    previousState: alarmState.partial({ timestamp: true, reason: true }).optional(),
    configuration: z
      .object({
        alarmRule: z.string().max(10_240).optional(),
        description: z.string().max(1_024).optional(),
        metrics: z.array(z.unknown()).max(20).optional(),
      })
      .passthrough()
      .optional(),
    /** Present when tag propagation is on: lets an `environment` tag route the alarm. */
    alarmTags: z.record(z.string().max(128), z.string().max(256)).optional(),
    /** Present when an alarm mute rule muted this alarm's actions. */
    muteDetail: z.unknown().optional(),
  }),
});
export type AlarmStateChangeEvent = z.output<typeof alarmStateChangeSchema>;

/** Other alarm events (configuration changes) that the rule may deliver: never acted on. */
export const OTHER_ALARM_DETAIL_TYPES = ['CloudWatch Alarm Configuration Change'] as const;
