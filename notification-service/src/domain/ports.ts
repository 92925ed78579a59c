import type { Contact, Notification, NotificationStatus, NotifyingEvent } from './notification.js';

export interface NotificationPage {
  rows: Notification[];
  total: number;
}

export interface NotificationQuery {
  customerId?: string | undefined;
  eventType?: NotifyingEvent | undefined;
  status?: NotificationStatus | undefined;
  /** true: only the ones not marked read. */
  unread?: boolean | undefined;
  offset: number;
  limit: number;
}

/** Persistence of notifications (data/notification-repository.ts). */
export interface NotificationStore {
  insert(notification: Notification): void;
  findById(id: string): Notification | undefined;
  findByEventId(eventId: string): Notification | undefined;
  list(query: NotificationQuery): NotificationPage;
  /** Sets read_at unless already set; the notification after the change, undefined when it does not exist. */
  markRead(id: string, at: string): Notification | undefined;
}

/** The local copy of customers' contact details (data/customer-directory-repository.ts). */
export interface CustomerDirectory {
  find(customerId: string): Contact | undefined;
  save(customerId: string, contact: Contact, at: string): void;
}

/**
 * Asks order-service about the order an event is about: its customer, or undefined when the order does not
 * exist; rejects when order-service cannot answer now (the event is then retried).
 */
export interface OrderLookup {
  find(orderId: string): Promise<{ customerId: string } | undefined>;
}

/**
 * Asks payment-service about the payment of an order: needed only for a refund of a capture no order owns
 * (reason `unknown_order`), whose order legitimately does not exist. Resolves undefined when there is no such
 * payment; rejects when payment-service cannot answer now (the event is then retried).
 */
export interface PaymentLookup {
  findByOrder(
    orderId: string,
  ): Promise<
    { id: string; customerId: string; status: string; refundReason?: string | undefined } | undefined
  >;
}

/**
 * Asks customer-service for a contact it does not know yet. Resolves undefined when the customer does not
 * exist; rejects when customer-service cannot answer now (the event is then retried).
 */
export interface CustomerLookup {
  contactOf(customerId: string): Promise<Contact | undefined>;
}

/** One message on its way out. */
export interface OutgoingMessage {
  notificationId: string;
  channel: 'email';
  recipient: string;
  subject: string;
  body: string;
  customerId: string;
  /** Also a natural idempotency key for a real provider: one message per event. */
  eventId: string;
  eventType: NotifyingEvent;
  correlationId: string;
}

/** Delivers a message (senders/); rejects when it could not. */
export interface NotificationSender {
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
}
