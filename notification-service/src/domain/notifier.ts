import { randomUUID } from 'node:crypto';
import { messageFor, type NotifyingFact } from './messages.js';
import type { Contact, Notification } from './notification.js';
import type {
  CustomerDirectory,
  CustomerLookup,
  NotificationSender,
  NotificationStore,
  NotificationQuery,
  OrderLookup,
  PaymentLookup,
} from './ports.js';
import { assertSubjectExists } from './subject-check.js';

export interface NotifierDeps {
  notifications: NotificationStore;
  directory: CustomerDirectory;
  /** customer-service: verifies CustomerRegistered, finds contacts missing from the directory. */
  lookup: CustomerLookup;
  /** order-service: verifies the order every other event is about. */
  orders: OrderLookup;
  /** payment-service: verifies the refund of a capture no order owns (its order does not exist). */
  payments: PaymentLookup;
  sender: NotificationSender;
  now: () => Date;
}

/** An event as the notifier needs it: its identity and correlation, plus its facts. */
export type NotifyingEventEnvelope = NotifyingFact & { id: string; correlationId: string };

/**
 * Applies `effect` together with the record that the event was handled, once per event (the consumer's
 * inbox transaction); resolves false when the event had already been applied.
 */
export type CommitOnce = (effect: () => void) => Promise<boolean>;

export type NotifyOutcome =
  | { outcome: 'notified'; notification: Notification }
  /** The event asks for no message (e.g. a cancelled shipment; the order's cancellation told the customer). */
  | { outcome: 'nothing_to_send' }
  | { outcome: 'duplicate' };

const MAX_FAILURE_REASON = 300;

export function createNotifier(deps: NotifierDeps) {
  const { notifications, directory, lookup, orders, payments, sender, now } = deps;
  // A duplicate arriving while the first copy is still sending waits for it instead of sending again.
  const inFlight = new Map<string, Promise<NotifyOutcome>>();

  /** The customer's contact, and whether it is new to the directory (then it is saved with the record). */
  async function recipientOf(
    event: NotifyingEventEnvelope,
  ): Promise<{ contact: Contact | undefined; learnt: boolean }> {
    if (event.type === 'CustomerRegistered') {
      return { contact: { email: event.data.email, name: event.data.name }, learnt: true };
    }
    const known = directory.find(event.data.customerId);
    if (known) return { contact: known, learnt: false };
    const found = await lookup.contactOf(event.data.customerId);
    return { contact: found, learnt: found !== undefined };
  }

  async function deliver(event: NotifyingEventEnvelope, commit: CommitOnce): Promise<NotifyOutcome> {
    if (notifications.findByEventId(event.id)) return { outcome: 'duplicate' };
    const message = messageFor(event);
    if (!message) return { outcome: 'nothing_to_send' };
    await assertSubjectExists(event, { orders, customers: lookup, payments });
    const { contact, learnt } = await recipientOf(event);
    const notification: Notification = {
      id: randomUUID(),
      customerId: message.customerId,
      channel: 'email',
      recipient: contact?.email ?? null,
      subject: message.subject,
      body: message.body,
      status: 'SENT',
      eventId: event.id,
      eventType: event.type,
      correlationId: event.correlationId,
      createdAt: '',
      readAt: null,
    };
    if (notification.recipient === null) {
      notification.status = 'FAILED';
      notification.failureReason = 'no e-mail address known for this customer';
    } else {
      try {
        await sender.send({
          notificationId: notification.id,
          channel: notification.channel,
          recipient: notification.recipient,
          subject: notification.subject,
          body: notification.body,
          customerId: notification.customerId,
          eventId: notification.eventId,
          eventType: notification.eventType,
          correlationId: notification.correlationId,
        });
      } catch (error) {
        notification.status = 'FAILED';
        notification.failureReason = `${sender.name} sender: ${(error as Error).message}`.slice(
          0,
          MAX_FAILURE_REASON,
        );
      }
    }
    notification.createdAt = now().toISOString();
    const applied = await commit(() => {
      notifications.insert(notification);
      if (contact && learnt) directory.save(message.customerId, contact, notification.createdAt);
    });
    return applied ? { outcome: 'notified', notification } : { outcome: 'duplicate' };
  }

  /**
   * Verifies that the event's order (or new customer) exists at its owner, then writes, sends and records the
   * event's message. Sending happens before the record commits, so a crash in between sends it again on
   * redelivery (at-least-once); the record itself is written once per event. Rejects with RejectedEventError
   * for an event about an order or customer that does not exist.
   */
  async function notify(event: NotifyingEventEnvelope, commit: CommitOnce): Promise<NotifyOutcome> {
    const running = inFlight.get(event.id);
    if (running) {
      await running;
      return { outcome: 'duplicate' };
    }
    const work = deliver(event, commit);
    inFlight.set(event.id, work);
    try {
      return await work;
    } finally {
      inFlight.delete(event.id);
    }
  }

  return {
    notify,
    find: (id: string) => notifications.findById(id),
    list: (query: NotificationQuery) => notifications.list(query),
    /** Marks it read (the first time only: a repeat keeps the first instant) and returns it. */
    markRead: (id: string) => notifications.markRead(id, now().toISOString()),
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
