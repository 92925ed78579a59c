import type { Db } from '@shop/platform/runtime';
import type { ShipmentPage, ShipmentQuery, ShipmentStore } from '../domain/ports.js';
import type { Carrier, Shipment, ShipmentStatus } from '../domain/shipment.js';

interface ShipmentRow {
  id: string;
  order_id: string;
  customer_id: string;
  carrier: Carrier;
  tracking_number: string;
  estimated_delivery: string;
  status: ShipmentStatus;
  correlation_id: string;
  created_at: string;
  updated_at: string;
}

function toShipment(row: ShipmentRow): Shipment {
  return {
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    estimatedDelivery: row.estimated_delivery,
    status: row.status,
    correlationId: row.correlation_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// Optional filters as `(@x IS NULL OR column = @x)`: one prepared statement serves every combination.
const FILTER = `(@customerId IS NULL OR customer_id = @customerId)
  AND (@orderId IS NULL OR order_id = @orderId)
  AND (@status IS NULL OR status = @status)`;

export function createShipmentRepository(db: Db): ShipmentStore {
  const byId = db.prepare<[string], ShipmentRow>('SELECT * FROM shipments WHERE id = ?');
  const byOrder = db.prepare<[string], ShipmentRow>('SELECT * FROM shipments WHERE order_id = ?');
  const insert = db.prepare(
    `INSERT INTO shipments (id, order_id, customer_id, carrier, tracking_number, estimated_delivery, status,
       correlation_id, created_at, updated_at)
     VALUES (@id, @orderId, @customerId, @carrier, @trackingNumber, @estimatedDelivery, @status,
       @correlationId, @createdAt, @updatedAt)`,
  );
  const setStatus = db.prepare<[ShipmentStatus, string, string]>(
    'UPDATE shipments SET status = ?, updated_at = ? WHERE id = ?',
  );
  const page = db.prepare(
    `SELECT * FROM shipments WHERE ${FILTER} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset`,
  );
  const count = db.prepare(`SELECT COUNT(*) FROM shipments WHERE ${FILTER}`).pluck();

  return {
    findById: (id) => {
      const row = byId.get(id);
      return row && toShipment(row);
    },
    findByOrderId: (orderId) => {
      const row = byOrder.get(orderId);
      return row && toShipment(row);
    },
    insert: (shipment) => {
      insert.run(shipment);
    },
    setStatus: (id, status, updatedAt) => {
      setStatus.run(status, updatedAt, id);
    },
    list: (query: ShipmentQuery): ShipmentPage => {
      const filter = {
        customerId: query.customerId ?? null,
        orderId: query.orderId ?? null,
        status: query.status ?? null,
      };
      return {
        rows: (page.all({ ...filter, limit: query.limit, offset: query.offset }) as ShipmentRow[]).map(
          toShipment,
        ),
        total: count.get(filter) as number,
      };
    },
  };
}
