import type { Db } from '@shop/platform/runtime';
import type { CancelReason, Order, OrderLine, OrderRecord, OrderStatus, SagaStep } from '../domain/order.js';
import type { OrderStore, OrderTask, TaskKind } from '../domain/ports.js';

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  cancel_reason: CancelReason | null;
  total_cents: number | null;
  currency: string;
  payment_id: string | null;
  shipment_id: string | null;
  tracking_number: string | null;
  correlation_id: string | null;
  saga_step: SagaStep;
  reserve_deadline: string | null;
  charge_deadline: string | null;
  recovery_attempts: number;
  next_recovery_at: string | null;
  created_at: string;
  updated_at: string;
}

interface LineRow {
  order_id: string;
  product_id: number;
  name: string | null;
  quantity: number;
  unit_price_cents: number | null;
}

interface TaskRow {
  order_id: string;
  kind: TaskKind;
  attempts: number;
  next_attempt_at: string;
  correlation_id: string | null;
}

function toLine(row: LineRow): OrderLine {
  return {
    productId: row.product_id,
    name: row.name,
    quantity: row.quantity,
    unitPriceCents: row.unit_price_cents,
    lineTotalCents: row.unit_price_cents === null ? null : row.unit_price_cents * row.quantity,
  };
}

function toRecord(row: OrderRow, lines: OrderLine[]): OrderRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    cancelReason: row.cancel_reason,
    items: lines,
    totalCents: row.total_cents,
    currency: row.currency,
    paymentId: row.payment_id,
    shipmentId: row.shipment_id,
    trackingNumber: row.tracking_number,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    correlationId: row.correlation_id,
    sagaStep: row.saga_step,
    reserveDeadline: row.reserve_deadline,
    chargeDeadline: row.charge_deadline,
    recoveryAttempts: row.recovery_attempts,
    nextRecoveryAt: row.next_recovery_at,
  };
}

function toTask(row: TaskRow): OrderTask {
  return {
    orderId: row.order_id,
    kind: row.kind,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    correlationId: row.correlation_id,
  };
}

export function createOrderRepository(db: Db): OrderStore {
  const statements = {
    insertOrder: db.prepare(
      `INSERT INTO orders (id, customer_id, status, currency, saga_step, correlation_id, reserve_deadline,
         created_at, updated_at)
       VALUES (@id, @customerId, 'PENDING', 'USD', 'reserving', @correlationId, @reserveDeadline, @createdAt,
         @createdAt)`,
    ),
    insertLine: db.prepare(
      `INSERT INTO order_lines (order_id, line_no, product_id, quantity) VALUES (?, ?, ?, ?)`,
    ),
    findOrder: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE id = ?'),
    linesOf: db.prepare<[string], LineRow>('SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no'),
    linesOfMany: db.prepare<[string], LineRow>(
      'SELECT * FROM order_lines WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, line_no',
    ),
    listOrders: db.prepare<Record<string, unknown>, OrderRow>(
      `SELECT * FROM orders
       WHERE (@status IS NULL OR status = @status)
         AND (@customerId IS NULL OR customer_id = @customerId)
         AND (@allowed IS NULL OR customer_id IN (SELECT value FROM json_each(@allowed)))
       ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`,
    ),
    countOrders: db.prepare<Record<string, unknown>, { n: number }>(
      `SELECT COUNT(*) AS n FROM orders
       WHERE (@status IS NULL OR status = @status)
         AND (@customerId IS NULL OR customer_id = @customerId)
         AND (@allowed IS NULL OR customer_id IN (SELECT value FROM json_each(@allowed)))`,
    ),
    priceLine: db.prepare(
      'UPDATE order_lines SET name = ?, unit_price_cents = ? WHERE order_id = ? AND product_id = ?',
    ),
    priceOrder: db.prepare('UPDATE orders SET total_cents = ?, currency = ?, updated_at = ? WHERE id = ?'),
    startCharging: db.prepare(
      "UPDATE orders SET saga_step = 'charging', charge_deadline = ?, updated_at = ? WHERE id = ?",
    ),
    changeStatus: db.prepare(
      `UPDATE orders SET status = @to, updated_at = @at,
         cancel_reason = COALESCE(@cancelReason, cancel_reason),
         payment_id = COALESCE(@paymentId, payment_id),
         saga_step = COALESCE(@sagaStep, saga_step)
       WHERE id = @id AND status = @from`,
    ),
    scheduleRecovery: db.prepare(
      'UPDATE orders SET recovery_attempts = ?, next_recovery_at = ? WHERE id = ?',
    ),
    recordShipment: db.prepare(
      `UPDATE orders SET shipment_id = @shipmentId,
         tracking_number = COALESCE(@trackingNumber, tracking_number), updated_at = @at
       WHERE id = @id`,
    ),
    pendingDue: db.prepare<[string, string, number], OrderRow>(
      `SELECT * FROM orders WHERE status = 'PENDING' AND created_at <= ?
         AND (next_recovery_at IS NULL OR next_recovery_at <= ?)
       ORDER BY created_at LIMIT ?`,
    ),
    addTask: db.prepare(
      `INSERT INTO order_tasks (order_id, kind, next_attempt_at, created_at, correlation_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (order_id, kind) DO UPDATE
         SET next_attempt_at = MIN(next_attempt_at, excluded.next_attempt_at)`,
    ),
    tasksFor: db.prepare<[string], TaskRow>('SELECT * FROM order_tasks WHERE order_id = ?'),
    dueTasks: db.prepare<[string, number], TaskRow>(
      'SELECT * FROM order_tasks WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?',
    ),
    completeTask: db.prepare('DELETE FROM order_tasks WHERE order_id = ? AND kind = ?'),
    retryTask: db.prepare(
      'UPDATE order_tasks SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE order_id = ? AND kind = ?',
    ),
  };

  function find(id: string): OrderRecord | undefined {
    const row = statements.findOrder.get(id);
    return row === undefined ? undefined : toRecord(row, statements.linesOf.all(id).map(toLine));
  }

  function withLines(rows: OrderRow[]): OrderRecord[] {
    if (rows.length === 0) return [];
    const lines = new Map<string, OrderLine[]>();
    for (const line of statements.linesOfMany.all(JSON.stringify(rows.map((row) => row.id)))) {
      const list = lines.get(line.order_id) ?? [];
      list.push(toLine(line));
      lines.set(line.order_id, list);
    }
    return rows.map((row) => toRecord(row, lines.get(row.id) ?? []));
  }

  return {
    // IMMEDIATE: a lock held elsewhere stops it at BEGIN, before any work (inside another transaction: a savepoint).
    transaction: (work) => db.transaction(work).immediate(),
    insert(order) {
      statements.insertOrder.run({
        id: order.id,
        customerId: order.customerId,
        correlationId: order.correlationId ?? null,
        reserveDeadline: order.reserveDeadline,
        createdAt: order.createdAt,
      });
      order.lines.forEach((line, index) =>
        statements.insertLine.run(order.id, index + 1, line.productId, line.quantity),
      );
      return find(order.id) as OrderRecord;
    },
    find,
    list(query) {
      const params = {
        status: query.status ?? null,
        customerId: query.customerId ?? null,
        allowed: query.customerIds === undefined ? null : JSON.stringify(query.customerIds),
      };
      const rows = statements.listOrders.all({
        ...params,
        limit: query.limit,
        offset: (query.page - 1) * query.limit,
      });
      const total = statements.countOrders.get(params)?.n ?? 0;
      const orders: Order[] = withLines(rows);
      return { orders, total };
    },
    price(orderId, lines, totalCents, currency, at) {
      for (const line of lines)
        statements.priceLine.run(line.name, line.unitPriceCents, orderId, line.productId);
      statements.priceOrder.run(totalCents, currency, at, orderId);
    },
    startCharging(orderId, chargeDeadline, at) {
      statements.startCharging.run(chargeDeadline, at, orderId);
    },
    changeStatus(orderId, change) {
      const result = statements.changeStatus.run({
        id: orderId,
        from: change.from,
        to: change.to,
        at: change.at,
        cancelReason: change.cancelReason ?? null,
        paymentId: change.paymentId ?? null,
        sagaStep: change.sagaStep ?? null,
      });
      return result.changes === 1;
    },
    scheduleRecovery(orderId, attempts, nextAt) {
      statements.scheduleRecovery.run(attempts, nextAt, orderId);
    },
    recordShipment(orderId, shipment, at) {
      statements.recordShipment.run({
        id: orderId,
        shipmentId: shipment.shipmentId,
        trackingNumber: shipment.trackingNumber ?? null,
        at,
      });
    },
    pendingDue(createdBefore, now, limit) {
      return withLines(statements.pendingDue.all(createdBefore, now, limit));
    },
    addTask(orderId, kind, nextAttemptAt, correlationId) {
      statements.addTask.run(orderId, kind, nextAttemptAt, nextAttemptAt, correlationId ?? null);
    },
    tasksFor(orderId) {
      return statements.tasksFor.all(orderId).map(toTask);
    },
    dueTasks(now, limit) {
      return statements.dueTasks.all(now, limit).map(toTask);
    },
    completeTask(orderId, kind) {
      statements.completeTask.run(orderId, kind);
    },
    retryTask(orderId, kind, attempts, nextAttemptAt, note) {
      statements.retryTask.run(attempts, nextAttemptAt, note.slice(0, 500), orderId, kind);
    },
  };
}
