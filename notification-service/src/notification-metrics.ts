import { counter, type Registry } from '@shop/platform/runtime';
import type { AnalyticsMetrics } from './domain/analytics.js';
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
    startAtZero: { status: NOTIFICATION_STATUSES },
  });
  return { recorded: (status) => total.inc({ status }) };
}

/**
 * `analytics_events_total{type}` (client behaviour events and business events from the bus) and the analytics
 * limiter's `rate_limit_rejections_total{limiter="analytics"}`.
 */
export function analyticsMetrics(registry: Registry, eventTypes: readonly string[]): AnalyticsMetrics {
  const events = counter(registry, {
    name: 'analytics_events_total',
    help: 'Analytics events recorded, by type (client behaviour events and business events from the bus)',
    labelNames: ['type'] as const,
    startAtZero: { type: eventTypes },
  });
  const rejections = counter(registry, {
    name: 'rate_limit_rejections_total',
    help: 'Requests refused by a rate limiter',
    labelNames: ['limiter'] as const,
    startAtZero: { limiter: ['analytics'] },
  });
  return {
    recorded: (type) => events.inc({ type }),
    limited: () => rejections.inc({ limiter: 'analytics' }),
  };
}
