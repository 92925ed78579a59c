import type { EventHandlerContext, EventHandlers, Logger } from '@shop/platform/runtime';
import type { Notifier, NotifyingEventEnvelope } from '../domain/notifier.js';
import type { NotificationMetrics } from '../notification-metrics.js';

/**
 * One thin handler for every notifying event: the notification row and the inbox row commit together, so
 * a duplicate or redelivered event records one notification. Log lines carry the event's correlation ID.
 */
export function notificationEventHandlers(
  notifier: Notifier,
  logger: Logger,
  metrics: NotificationMetrics,
): EventHandlers {
  async function handle(
    event: NotifyingEventEnvelope,
    { inTransaction }: EventHandlerContext,
  ): Promise<void> {
    const result = await notifier.notify(event, inTransaction);
    if (result.outcome !== 'notified') {
      logger.debug('no notification for event', {
        eventId: event.id,
        eventType: event.type,
        outcome: result.outcome,
      });
      return;
    }
    const { notification } = result;
    metrics.recorded(notification.status);
    const fields = {
      notificationId: notification.id,
      customerId: notification.customerId,
      eventId: event.id,
      eventType: event.type,
      status: notification.status,
    };
    if (notification.status === 'SENT') logger.info('notification recorded', fields);
    else logger.warn('notification failed', { ...fields, reason: notification.failureReason });
  }

  return {
    CustomerRegistered: handle,
    OrderConfirmed: handle,
    OrderCancelled: handle,
    PaymentRefunded: handle,
    ShipmentScheduled: handle,
    ShipmentStatusChanged: handle,
  };
}
