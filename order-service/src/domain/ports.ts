import type { CancelReason, Order, OrderRecord, OrderStatus, RequestedLine, SagaStep } from './order.js';

/**
 * Why a dependency gave no usable answer. `not_sent`: it certainly did not act (breaker open, connection
 * refused, or it rejected the call), so compensating now is safe. `unknown`: it may have acted (timeout after
 * sending, 5xx, broken response), so only a later look at its state can tell.
 */
export interface Unavailable {
  kind: 'unavailable';
  outcome: 'not_sent' | 'unknown';
  retryAfterSeconds: number | undefined;
  detail: string;
}

export interface ReservedItem {
  productId: number;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export type ReserveResult =
  | { kind: 'reserved'; items: ReservedItem[]; currency: string }
  | { kind: 'out_of_stock'; message: string; details: unknown }
  | { kind: 'unknown_product'; message: string; details: unknown }
  | Unavailable;

export interface InventoryPort {
  /** Inventory refuses the reservation once `deadline` has passed (then it answers as unavailable, not sent). */
  reserve(orderId: string, items: RequestedLine[], deadline: Date): Promise<ReserveResult>;
  /** Returns the units to stock; `not_found` when inventory holds no reservation for the order (yet). */
  release(orderId: string): Promise<{ kind: 'done' } | { kind: 'not_found' } | Unavailable>;
  commit(orderId: string): Promise<{ kind: 'done' } | { kind: 'missing' } | Unavailable>;
}

export type PaymentStatus = 'CAPTURED' | 'DECLINED' | 'REFUNDED';

export interface PaymentSummary {
  id: string;
  status: PaymentStatus;
}

export interface ChargeRequest {
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: string;
  token: string;
  /** Payment refuses the charge once this has passed, so a charge held up on its way cannot land late. */
  deadline: Date;
}

/**
 * Why order-service asks for a refund (payment_refunds_total{reason} at payment-service):
 * `order_cancelled` a confirmed order was cancelled; `late_capture` a charge landed on an order that was
 * cancelled before it was confirmed; `unknown_order` a capture for an order this service does not know.
 */
export type RefundReason = 'order_cancelled' | 'late_capture' | 'unknown_order';

export type ChargeResult =
  { kind: 'captured'; payment: PaymentSummary } | { kind: 'declined'; message: string } | Unavailable;

export interface PaymentPort {
  /** Idempotent on orderId: a repeat returns the first result and never captures twice. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  findByOrder(
    orderId: string,
  ): Promise<{ kind: 'found'; payment: PaymentSummary } | { kind: 'not_found' } | Unavailable>;
  /** Full refund, idempotent on the order id. */
  refund(
    orderId: string,
    reason: RefundReason,
  ): Promise<{ kind: 'refunded' | 'not_found' | 'not_refundable' } | Unavailable>;
}

export interface Clock {
  now(): Date;
}

/**
 * Called synchronously inside the transaction that changes the order, so an outbox row written here commits
 * or rolls back with the change (docs/architecture.md#events-outbox-and-inbox). main.ts wires the outbox (src/events/order-events.ts).
 */
export interface OrderEventHooks {
  onOrderCreated(order: OrderRecord): void;
  onOrderConfirmed(order: OrderRecord): void;
  onOrderCancelled(order: OrderRecord, previous: OrderStatus): void;
  onOrderStatusChanged(order: OrderRecord, previous: OrderStatus): void;
}

export const NO_EVENT_HOOKS: OrderEventHooks = {
  onOrderCreated: () => undefined,
  onOrderConfirmed: () => undefined,
  onOrderCancelled: () => undefined,
  onOrderStatusChanged: () => undefined,
};

export type TaskKind = 'commit_reservation' | 'release_reservation' | 'refund_payment' | 'reconcile_payment';

export interface OrderTask {
  orderId: string;
  kind: TaskKind;
  attempts: number;
  nextAttemptAt: string;
  /** The correlation ID the task was created under; its later attempts run under it. */
  correlationId: string | null;
}

export interface NewOrder {
  id: string;
  customerId: string;
  lines: RequestedLine[];
  /** The creating request's correlation ID, kept for the events of a later recovery. */
  correlationId: string | undefined;
  createdAt: string;
  /** The deadline the reservation will carry. */
  reserveDeadline: string;
}

export interface PricedLine {
  productId: number;
  name: string;
  unitPriceCents: number;
}

export interface StatusChange {
  from: OrderStatus;
  to: OrderStatus;
  at: string;
  cancelReason?: CancelReason;
  paymentId?: string;
  sagaStep?: SagaStep;
}

export interface OrderListQuery {
  /** undefined: every customer (admin); otherwise only these customers' orders. */
  customerIds: string[] | undefined;
  status: OrderStatus | undefined;
  customerId: string | undefined;
  page: number;
  limit: number;
}

/** What the domain needs from storage. Every method is synchronous (better-sqlite3), so `transaction` is atomic. */
export interface OrderStore {
  transaction<T>(work: () => T): T;
  insert(order: NewOrder): OrderRecord;
  find(id: string): OrderRecord | undefined;
  list(query: OrderListQuery): { orders: Order[]; total: number };
  price(orderId: string, lines: PricedLine[], totalCents: number, currency: string, at: string): void;
  /** Records the charge's deadline; from then on recovery must ask payment about the order. */
  startCharging(orderId: string, chargeDeadline: string, at: string): void;
  /** Conditional on `from`: false when the order is no longer in that status (someone else moved it). */
  changeStatus(orderId: string, change: StatusChange): boolean;
  scheduleRecovery(orderId: string, attempts: number, nextAt: string): void;
  /** Records the order's shipment; a tracking number left undefined keeps the one already stored. */
  recordShipment(
    orderId: string,
    shipment: { shipmentId: string; trackingNumber?: string | undefined },
    at: string,
  ): void;
  /** PENDING orders created at or before `createdBefore` whose next recovery time has come. */
  pendingDue(createdBefore: string, now: string, limit: number): OrderRecord[];
  /** Adds the task; when the order already has one of that kind, it becomes due at the earlier time. */
  addTask(orderId: string, kind: TaskKind, nextAttemptAt: string, correlationId: string | undefined): void;
  tasksFor(orderId: string): OrderTask[];
  dueTasks(now: string, limit: number): OrderTask[];
  completeTask(orderId: string, kind: TaskKind): void;
  retryTask(orderId: string, kind: TaskKind, attempts: number, nextAttemptAt: string, note: string): void;
}

/** `waiting`: payment has no charge yet and its deadline has not passed, so the order is looked at again. */
export type RecoveryOutcome = 'confirmed' | 'cancelled' | 'retried' | 'waiting';

export interface OrderMetrics {
  /** Counts an order entering a status (orders_total{status}). */
  entered(status: OrderStatus): void;
  recovery(outcome: RecoveryOutcome): void;
}

export interface CartLine {
  productId: number;
  quantity: number;
  addedAt: string;
}

export interface StoredCart {
  customerId: string;
  /** The order a checkout created from this cart, until the cart is settled against it. */
  checkoutOrderId: string | null;
  createdAt: string;
  updatedAt: string;
  lines: CartLine[];
}

/** Carts, one per customer (src/data/cart-repository.ts). Every method is synchronous. */
export interface CartStore {
  transaction<T>(work: () => T): T;
  find(customerId: string): StoredCart | undefined;
  /** Creates the cart if needed and records activity on it. */
  touch(customerId: string, at: string): void;
  setLine(customerId: string, productId: number, quantity: number, at: string): void;
  removeLine(customerId: string, productId: number): boolean;
  /** Deletes the cart and its lines. */
  remove(customerId: string): void;
  markCheckout(customerId: string, orderId: string | null, at: string): void;
  /** Customers whose cart has been idle since before `before`, oldest first. */
  idleSince(before: string, limit: number): string[];
  count(): number;
}

export interface CatalogueProduct {
  id: number;
  name: string;
  priceCents: number;
  currency: string;
  stock: number;
}

export type CatalogueLookup =
  | { kind: 'found'; product: CatalogueProduct }
  | { kind: 'not_found' }
  | { kind: 'unavailable'; detail: string };

/** What the cart shows of a product: inventory's public catalogue, read as it is now. */
export interface CataloguePort {
  product(productId: number): Promise<CatalogueLookup>;
}

export interface CartMetrics {
  updated(operation: 'set_quantity' | 'remove_item' | 'clear'): void;
  /** The checkout's HTTP status (201, 202, 402, 409, 503), `replayed`, or the refusal's error code. */
  checkout(outcome: string): void;
  expired(count: number): void;
}
