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
}

type PlatformFiles = Pick<Platform, 'databaseFile' | 'initialStock'>;

const CONFIRMED = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

interface OrderRow {
  id: string;
  status: string;
  createdAt: string;
}

interface OrderLine {
  orderId: string;
  productId: number;
  quantity: number;
}

interface ReservationRow {
  orderId: string;
  status: string;
}

interface PaymentRow {
  orderId: string;
  status: string;
}

/**
 * The saga's invariants (design §5), read from the services' SQLite files (read-only):
 * - stock: for every product, initial stock = available + units of CONFIRMED/SHIPPED/DELIVERED orders
 *   (+ units still reserved for PENDING orders, so it also holds mid-flight);
 * - release: no CANCELLED order still holds reserved stock;
 * - payments: captured (not refunded) payments are exactly the confirmed orders, none twice, none for a
 *   cancelled order;
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
    else if (status === 'PENDING' && isHeld(reservations.get(line.orderId))) {
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

  // Cancelled orders hold nothing.
  for (const order of orders.values()) {
    if (order.status === 'CANCELLED' && isHeld(reservations.get(order.id))) {
      violations.push(
        `release: order ${order.id} is CANCELLED but its reservation is ${reservations.get(order.id)}`,
      );
    }
  }

  // Payments.
  const payments = readPayments(platform.databaseFile('payment-service'));
  if (payments && orderReader) {
    const captured = new Map<string, number>();
    for (const payment of payments) {
      if (payment.status === 'CAPTURED')
        captured.set(payment.orderId, (captured.get(payment.orderId) ?? 0) + 1);
    }
    for (const [orderId, count] of captured) {
      const order = orders.get(orderId);
      if (count > 1) violations.push(`payments: order ${orderId} captured ${count} times`);
      if (!order) violations.push(`payments: captured payment for unknown order ${orderId}`);
      else if (order.status === 'CANCELLED') {
        violations.push(`payments: order ${orderId} is CANCELLED but its payment is still CAPTURED`);
      }
    }
    for (const order of orders.values()) {
      if (CONFIRMED.has(order.status) && !captured.has(order.id)) {
        violations.push(`payments: order ${order.id} is ${order.status} without a captured payment`);
      }
    }
  }

  // Nothing stays PENDING forever.
  const deadlineMs = options.pendingDeadlineMs ?? 600_000;
  const now = Date.now();
  for (const order of orders.values()) {
    if (order.status !== 'PENDING') continue;
    const age = now - Date.parse(order.createdAt);
    if (deadlineMs === 0 || !(age <= deadlineMs)) {
      violations.push(`pending: order ${order.id} is PENDING for ${Math.round(age / 1000)} s`);
    }
  }
  return violations;
}

function isHeld(status: string | undefined): boolean {
  return status === 'RESERVED' || status === 'COMMITTED';
}

function readOrders(reader: SqliteReader): OrderRow[] {
  const table = reader.table('orders');
  if (!table) return [];
  const created = reader.column(table, 'created_at', 'createdAt') ?? 'rowid';
  return reader.all<OrderRow>(`SELECT id, status, ${quoted(created)} AS createdAt FROM ${quoted(table)}`);
}

function readOrderLines(reader: SqliteReader): OrderLine[] {
  const table = reader.table('order_items', 'order_lines');
  if (!table) return [];
  return reader.all<OrderLine>(
    `SELECT order_id AS orderId, product_id AS productId, quantity FROM ${quoted(table)}`,
  );
}

function readReservations(inventoryFile: string): Map<string, string> {
  const reader = openReadOnly(inventoryFile);
  const result = new Map<string, string>();
  if (!reader) return result;
  try {
    const table = reader.table('reservations');
    if (!table) return result;
    for (const row of reader.all<ReservationRow>(
      `SELECT order_id AS orderId, status FROM ${quoted(table)}`,
    )) {
      result.set(row.orderId, row.status);
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
    return reader.all<PaymentRow>(`SELECT order_id AS orderId, status FROM ${quoted(table)}`);
  } finally {
    reader.close();
  }
}
