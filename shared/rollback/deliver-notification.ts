import type { NotificationDelivery } from '../history/run-journal';
import type { RollbackNotification } from '../notify/notifier';
import type { RollbackDependencies } from './run-dependencies';

/** Publishes a notification; one that reached nobody is logged as an error (the failed-notification metric counts it) and said as `failed`. */
export async function deliverNotification(deps: Pick<RollbackDependencies, 'notifier' | 'logger'>, notification: RollbackNotification): Promise<NotificationDelivery> {
  try {
    return await deps.notifier.notify(notification);
  } catch (error) {
    deps.logger.error('notification reached nobody', { notification: notification.type, environment: notification.environment, deploymentId: notification.deploymentId, error: (error as Error).message });
    return 'failed';
  }
}
