import type { SQSClient } from '@aws-sdk/client-sqs';
import { loadOnce } from '../aws/load-once';
import type { Delivery, Notifier, RollbackNotification } from './notifier';
import { messageFor, subjectFor } from './sns-notifier';

/** Loaded only when the results topic cannot be reached. */
const sqsSdk = loadOnce(() => import('@aws-sdk/client-sqs'));

/**
 * Where a notification goes when the results topic cannot take it: the failed-events queue, whose
 * depth alarm is already wired, and which keeps the message two weeks for whoever looks.
 */
export class DeadLetterQueueNotifier implements Notifier {
  /** @param sqs the client, or how to build it once on first use */
  constructor(
    private readonly sqs: () => Promise<SQSClient>,
    private readonly queueUrl: string,
  ) {}

  async notify(notification: RollbackNotification): Promise<Delivery> {
    const [{ SendMessageCommand }, sqs] = await Promise.all([sqsSdk(), this.sqs()]);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ undeliveredNotification: { subject: subjectFor(notification), message: JSON.parse(messageFor(notification)) } }),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'undelivered-notification' },
          severity: { DataType: 'String', StringValue: notification.severity },
        },
      }),
    );
    return 'fallback';
  }
}

/** The results topic first; when it fails (after the SDK's own retries with backoff), the fallback. */
export class NotifierWithFallback implements Notifier {
  constructor(
    private readonly primary: Notifier,
    private readonly fallback: Notifier,
    private readonly onPrimaryFailure: (error: Error) => void = () => undefined,
  ) {}

  async notify(notification: RollbackNotification): Promise<Delivery> {
    try {
      return await this.primary.notify(notification);
    } catch (error) {
      this.onPrimaryFailure(error as Error);
      await this.fallback.notify(notification);
      return 'fallback';
    }
  }
}
