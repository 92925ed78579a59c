import { NOTIFICATION_STATUSES, NOTIFYING_EVENTS } from '@shop/platform/api-contract';
export { NOTIFICATION_STATUSES };
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** The events that may notify a customer (the queue is bound to exactly these). */
export { NOTIFYING_EVENTS };
export type NotifyingEvent = (typeof NOTIFYING_EVENTS)[number];

// A type alias (not an interface) so a notification is a plain record for CASL row checks.
export type Notification = {
  id: string;
  customerId: string;
  channel: 'email';
  /** The e-mail address, or null when it could not be found (then status is FAILED). */
  recipient: string | null;
  subject: string;
  body: string;
  status: NotificationStatus;
  /** Only on FAILED notifications. */
  failureReason?: string;
  /** The event that caused it: one notification per event. */
  eventId: string;
  eventType: NotifyingEvent;
  /** The event's correlation ID: the request that started it all. */
  correlationId: string;
  createdAt: string;
  /** When the customer marked it read; null while unread. */
  readAt: string | null;
};

/** What a customer is told, before it is addressed and sent. */
export interface Message {
  customerId: string;
  subject: string;
  body: string;
}

export interface Contact {
  email: string;
  name: string;
}
