import { counter, type Registry } from '@shop/platform/runtime';
import { NOTIFICATION_STATUSES, type NotificationStatus } from './domain/notification.js';

export interface NotificationMetrics {
  recorded(status: NotificationStatus): void;
}

/** `notifications_total{status}`: notifications recorded, SENT or FAILED. */
export function notificationMetrics(registry: Registry): NotificationMetrics {
  const total = counter(registry, {
    name: 'notifications_total',
    help: 'Notifications recorded, by status (SENT, FAILED)',
    labelNames: ['status'] as const,
  });
  for (const status of NOTIFICATION_STATUSES) total.inc({ status }, 0);
  return { recorded: (status) => total.inc({ status }) };
}
