import type { Logger } from '@shop/platform/runtime';
import type { NotificationSender } from '../domain/ports.js';

/** Sends nothing: one log line per message (no address or body in it), for stacks without a mail drop. */
export function logSender(logger: Logger): NotificationSender {
  return {
    name: 'log',
    send(message) {
      logger.info('notification sent', {
        notificationId: message.notificationId,
        customerId: message.customerId,
        channel: message.channel,
        eventId: message.eventId,
        eventType: message.eventType,
        subject: message.subject,
      });
      return Promise.resolve();
    },
  };
}
