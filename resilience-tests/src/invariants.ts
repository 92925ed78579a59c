import { setTimeout as sleep } from 'node:timers/promises';
import type { Platform } from './platform-runner.js';
import { openReadOnly, quoted, type SqliteReader } from './sqlite-reader.js';
import { readHeldUnits, readStockLevels } from './stock-levels.js';

export interface InvariantOptions {
  /** Stock per product to conserve; default: what the runner recorded when inventory became ready. */
  baseline?: ReadonlyMap<number, number>;
  /**
   * A PENDING order older than this is a violation. Default 10 min: twice order-service's default
   * ORDER_PENDING_DEADLINE_MS, its hard deadline. 0: any PENDING order is one.
   */
  pendingDeadlineMs?: number;
  /**
   * How long a capture may stay on an order that is not CONFIRMED, SHIPPED or DELIVERED (a cancelled or
   * unknown one) before it must have been refunded, from the moment it landed; the same for stock held for an
   * unknown order. Default 60 s, above order-service's bound with its default settings (24 s, see
   * docs/money-invariants.md); tests pass the bound of the settings they started the platform with.
   */
  refundBoundMs?: number;
  /**
   * Default true: traffic has stopped, so every compensation is due (a capture or a reservation nobody owns
   * is a violation whatever its age) and captured payments must equal the confirmed-like orders. False
   * while traffic runs: only what is older than `refundBoundMs` counts.
   */
  settled?: boolean;
  /**
   * Moments (epoch ms) when order-service or payment-service was down, paused, slowed or failing, plus the
   * time its callers' breakers and retries need afterwards: a refund cannot be made then, so the part of a
   * refund's delay inside them does not count against `refundBoundMs` (the bound assumes both answer; see
   * docs/money-invariants.md). The randomized fault mode passes its faults' windows.
   */
  outages?: readonly { from: number; to: number }[];
}

type PlatformFiles = Pick<Platform, 'databaseFile' | 'initialStock'>;

const CONFIRMED = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

interface OrderRow {
  id: string;
  status: string;
  createdAt: string;
  paymentId: string | null;
}

interface OrderLine {
  orderId: string;
  productId: number;
  quantity: number;
}

interface ReservationRow {
  orderId: string;
  status: string;
  createdAt: string | null;
}

interface PaymentRow {
  id: string;
  orderId: string;
  status: string;
  createdAt: string | null;
  refundedAt: string | null;
  refundReason: string | null;
}

// Refunds of captures no order owned: the bound applies to them (a cancelled confirmed order is refunded
// whenever the customer cancels, however long after the capture).
const UNOWNED_CAPTURE_REASONS = new Set(['late_capture', 'unknown_order']);

/**
 * The saga's invariants (docs/architecture.md#the-order-saga, issue 8), read from the services' SQLite files (read-only):
 * - stock: for every product, initial stock = available + units of CONFIRMED/SHIPPED/DELIVERED orders
 *   (+ units still reserved for PENDING orders, so it also holds mid-flight);
 * - release: no CANCELLED order still holds reserved stock, and no stock is held for an unknown order;
 * - payments: every confirmed-like order has exactly one captured payment, the one it records; a capture on
 *   a cancelled or unknown order is refunded within `refundBoundMs` of landing (checked on captures still
 *   there and, after the fact, on refunds made for that reason); once settled, captured payments are
 *   exactly the confirmed-like orders;
 * - pending: no PENDING order older than the deadline.
 * Returns one readable line per violation; empty means every invariant holds. Check when traffic has
 * settled: each file is read consistently, but not all of them at one instant.
 */
export function invariants(platform: PlatformFiles, options: InvariantOptions = {}): Promise<string[]> {
  return Promise.resolve(checkInvariants(platform, options));
}

/** Polls invariants() until they hold or `timeoutMs` passes; returns the last violations (empty = held). */
export async function eventuallyInvariants(
  platform: PlatformFiles,
  options: InvariantOptions & { timeoutMs?: number; intervalMs?: number } = {},
): Promise<string[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const violations = checkInvariants(platform, options);
    if (violations.length === 0 || Date.now() >= deadline) return violations;
    await sleep(options.intervalMs ?? 250);
  }
}

/** Counts orders by status (empty when order-service has no database). */
export function orderStatusCounts(platform: Pick<Platform, 'databaseFile'>): Record<string, number> {
  const reader = openReadOnly(platform.databaseFile('order-service'));
  if (!reader) return {};
  try {
    const counts: Record<string, number> = {};
    for (const order of readOrders(reader)) counts[order.status] = (counts[order.status] ?? 0) + 1;
    return counts;
  } finally {
    reader.close();
  }
}

function checkInvariants(platform: PlatformFiles, options: InvariantOptions): string[] {
  const violations: string[] = [];
  const inventoryFile = platform.databaseFile('inventory-service');
  const baseline = options.baseline ?? platform.initialStock;
  const available = readStockLevels(inventoryFile, { includeReserved: false });
  const held = readHeldUnits(inventoryFile);
  const reservations = readReservations(inventoryFile);
  const settled = options.settled ?? true;
  const boundMs = options.refundBoundMs ?? 60_000;
  const now = Date.now();
  const ageMs = (at: string | null) => (at === null ? Number.POSITIVE_INFINITY : now - Date.parse(at));
  const overdue = (at: string | null) => settled || ageMs(at) > boundMs;
  const seconds = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms / 1000)} s` : 'an unknown time');

  const orderReader = openReadOnly(platform.databaseFile('order-service'));
  const orders = new Map<string, OrderRow>();
  const lines: OrderLine[] = [];
  if (orderReader) {
    try {
      for (const order of readOrders(orderReader)) orders.set(order.id, order);
      lines.push(...readOrderLines(orderReader));
    } finally {
      orderReader.close();
    }
  }

  // Stock conservation.
  const confirmedUnits = new Map<number, number>();
  const pendingUnits = new Map<number, number>();
  const add = (map: Map<number, number>, key: number, units: number) =>
    map.set(key, (map.get(key) ?? 0) + units);
  for (const line of lines) {
    const status = orders.get(line.orderId)?.status;
    if (status && CONFIRMED.has(status)) add(confirmedUnits, line.productId, line.quantity);
    else if (status === 'PENDING' && isHeld(reservations.get(line.orderId)?.status)) {
      add(pendingUnits, line.productId, line.quantity);
    }
  }
  for (const [productId, initial] of baseline) {
    if (!available.has(productId)) continue; // deleted by an admin: nothing left to conserve
    const now = available.get(productId) ?? 0;
    if (orderReader) {
      const sold = confirmedUnits.get(productId) ?? 0;
      const inFlight = pendingUnits.get(productId) ?? 0;
      if (initial !== now + sold + inFlight) {
        violations.push(
          `stock: product ${productId}: initial ${initial} != available ${now} + confirmed ${sold}` +
            (inFlight ? ` + reserved for pending ${inFlight}` : '') +
            ` (${now + sold + inFlight})`,
        );
      }
    } else {
      const reserved = held.get(productId) ?? 0;
      if (initial !== now + reserved) {
        violations.push(
          `stock: product ${productId}: initial ${initial} != available ${now} + reserved ${reserved}`,
        );
      }
    }
  }
  for (const [productId, units] of available) {
    if (units < 0) violations.push(`stock: product ${productId} has negative stock ${units}`);
  }

  // Cancelled and unknown orders hold nothing.
  for (const order of orders.values()) {
    if (order.status === 'CANCELLED' && isHeld(reservations.get(order.id)?.status)) {
      violations.push(
        `release: order ${order.id} is CANCELLED but its reservation is ${reservations.get(order.id)?.status}`,
      );
    }
  }
  if (orderReader) {
    for (const reservation of reservations.values()) {
      if (orders.has(reservation.orderId) || !isHeld(reservation.status)) continue;
      if (overdue(reservation.createdAt)) {
        violations.push(
          `release: stock is ${reservation.status} for unknown order ${reservation.orderId} ` +
            `(for ${seconds(ageMs(reservation.createdAt))}, bound ${seconds(boundMs)})`,
        );
      }
    }
  }

  // Payments.
  const payments = readPayments(platform.databaseFile('payment-service'));
  if (payments && orderReader) {
    violations.push(
      ...paymentViolations(orders, payments, {
        settled,
        boundMs,
        ageMs,
        overdue,
        seconds,
        outages: options.outages ?? [],
      }),
    );
  }

  // Nothing stays PENDING forever.
  const deadlineMs = options.pendingDeadlineMs ?? 600_000;
  for (const order of orders.values()) {
    if (order.status !== 'PENDING') continue;
    const age = now - Date.parse(order.createdAt);
    if (deadlineMs === 0 || !(age <= deadlineMs)) {
      violations.push(`pending: order ${order.id} is PENDING for ${Math.round(age / 1000)} s`);
    }
  }
  return violations;
}

function paymentViolations(
  orders: ReadonlyMap<string, OrderRow>,
  payments: readonly PaymentRow[],
  rules: {
    settled: boolean;
    boundMs: number;
    ageMs: (at: string | null) => number;
    overdue: (at: string | null) => boolean;
    seconds: (ms: number) => string;
    outages: readonly { from: number; to: number }[];
  },
): string[] {
  const { settled, boundMs, ageMs, overdue, seconds, outages } = rules;
  const violations: string[] = [];
  const bound = seconds(boundMs);
  const captured = new Map<string, PaymentRow[]>();
  for (const payment of payments) {
    if (payment.status !== 'CAPTURED') continue;
    captured.set(payment.orderId, [...(captured.get(payment.orderId) ?? []), payment]);
  }

  for (const [orderId, captures] of captured) {
    const order = orders.get(orderId);
    if (captures.length > 1) violations.push(`payments: order ${orderId} captured ${captures.length} times`);
    const landed = captures[0]?.createdAt ?? null;
    if (!order) {
      if (overdue(landed)) {
        violations.push(
          `payments: captured payment for unknown order ${orderId} (for ${seconds(ageMs(landed))}, bound ${bound})`,
        );
      }
    } else if (order.status === 'CANCELLED' && overdue(landed)) {
      violations.push(
        `payments: order ${orderId} is CANCELLED but its payment has been CAPTURED for ` +
          `${seconds(ageMs(landed))} (bound ${bound})`,
      );
    }
  }

  const refundedByOrder = new Map(payments.filter((p) => p.status === 'REFUNDED').map((p) => [p.orderId, p]));
  let confirmedLike = 0;
  for (const order of orders.values()) {
    if (!CONFIRMED.has(order.status)) continue;
    confirmedLike++;
    const captures = captured.get(order.id);
    if (!captures) {
      const refunded = refundedByOrder.get(order.id);
      violations.push(
        `payments: order ${order.id} is ${order.status} without a captured payment` +
          (refunded ? ` (its payment was refunded: ${refunded.refundReason ?? 'no reason recorded'})` : ''),
      );
    } else if (order.paymentId !== null && !captures.some((p) => p.id === order.paymentId)) {
      violations.push(
        `payments: order ${order.id} records payment ${order.paymentId} but the captured one is ${captures[0]?.id}`,
      );
    }
  }

  // The bound, after the fact: a capture nobody owned must have been refunded in time.
  for (const payment of payments) {
    if (payment.status !== 'REFUNDED' || !UNOWNED_CAPTURE_REASONS.has(payment.refundReason ?? '')) continue;
    if (payment.createdAt === null || payment.refundedAt === null) continue;
    const landed = Date.parse(payment.createdAt);
    const refunded = Date.parse(payment.refundedAt);
    const excused = overlapMs(landed, refunded, outages);
    if (refunded - landed - excused > boundMs) {
      violations.push(
        `payments: the ${payment.refundReason} capture of order ${payment.orderId} was refunded ` +
          `${seconds(refunded - landed)} after it landed (bound ${bound}` +
          (excused > 0 ? `, of which ${seconds(excused)} while order or payment was disturbed)` : ')'),
      );
    }
  }

  if (settled) {
    // A capture on a PENDING order is the saga mid-flight; the pending check judges that order.
    const capturedCount = [...captured]
      .filter(([orderId]) => orders.get(orderId)?.status !== 'PENDING')
      .reduce((sum, [, captures]) => sum + captures.length, 0);
    if (capturedCount !== confirmedLike) {
      violations.push(
        `payments: ${capturedCount} captured payments for ${confirmedLike} confirmed, shipped or delivered orders`,
      );
    }
  }
  return violations;
}

/** How much of [from, to] the windows cover (overlapping windows counted once). */
function overlapMs(from: number, to: number, windows: readonly { from: number; to: number }[]): number {
  const clipped = windows
    .map((w) => ({ from: Math.max(from, w.from), to: Math.min(to, w.to) }))
    .filter((w) => w.to > w.from)
    .sort((a, b) => a.from - b.from);
  let covered = 0;
  let reached = from;
  for (const w of clipped) {
    const start = Math.max(reached, w.from);
    if (w.to > start) covered += w.to - start;
    reached = Math.max(reached, w.to);
  }
  return covered;
}

function isHeld(status: string | undefined): boolean {
  return status === 'RESERVED' || status === 'COMMITTED';
}

function readOrders(reader: SqliteReader): OrderRow[] {
  const table = reader.table('orders');
  if (!table) return [];
  const created = reader.column(table, 'created_at', 'createdAt') ?? 'rowid';
  const payment = reader.column(table, 'payment_id', 'paymentId');
  return reader.all<OrderRow>(
    `SELECT id, status, ${quoted(created)} AS createdAt, ${payment ? quoted(payment) : 'NULL'} AS paymentId
     FROM ${quoted(table)}`,
  );
}

function readOrderLines(reader: SqliteReader): OrderLine[] {
  const table = reader.table('order_items', 'order_lines');
  if (!table) return [];
  return reader.all<OrderLine>(
    `SELECT order_id AS orderId, product_id AS productId, quantity FROM ${quoted(table)}`,
  );
}

function readReservations(inventoryFile: string): Map<string, ReservationRow> {
  const reader = openReadOnly(inventoryFile);
  const result = new Map<string, ReservationRow>();
  if (!reader) return result;
  try {
    const table = reader.table('reservations');
    if (!table) return result;
    const created = reader.column(table, 'created_at');
    for (const row of reader.all<ReservationRow>(
      `SELECT order_id AS orderId, status, ${created ? quoted(created) : 'NULL'} AS createdAt
       FROM ${quoted(table)}`,
    )) {
      result.set(row.orderId, row);
    }
    return result;
  } finally {
    reader.close();
  }
}

function readPayments(paymentFile: string): PaymentRow[] | undefined {
  const reader = openReadOnly(paymentFile);
  if (!reader) return undefined;
  try {
    const table = reader.table('payments');
    if (!table) return undefined;
    const optional = (name: string) => {
      const column = reader.column(table, name);
      return column ? quoted(column) : 'NULL';
    };
    return reader.all<PaymentRow>(
      `SELECT id, order_id AS orderId, status, ${optional('created_at')} AS createdAt,
         ${optional('refunded_at')} AS refundedAt, ${optional('refund_reason')} AS refundReason
       FROM ${quoted(table)}`,
    );
  } finally {
    reader.close();
  }
}
