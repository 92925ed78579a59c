import type { Shipment, ShipmentStatus } from './shipment.js';

export interface ShipmentPage {
  rows: Shipment[];
  total: number;
}

export interface ShipmentQuery {
  customerId?: string | undefined;
  orderId?: string | undefined;
  status?: ShipmentStatus | undefined;
  offset: number;
  limit: number;
}

/** Persistence of shipments (data/shipment-repository.ts). */
export interface ShipmentStore {
  findById(id: string): Shipment | undefined;
  findByOrderId(orderId: string): Shipment | undefined;
  insert(shipment: Shipment): void;
  setStatus(id: string, status: ShipmentStatus, updatedAt: string): void;
  list(query: ShipmentQuery): ShipmentPage;
}

export interface CancelledOrder {
  orderId: string;
  customerId: string;
  reason: string;
  correlationId: string;
  cancelledAt: string;
}

/** Tombstones of orders cancelled before their confirmation arrived (data/cancelled-order-repository.ts). */
export interface CancelledOrderStore {
  /** Keeps the first record of an order. */
  record(order: CancelledOrder): void;
  isCancelled(orderId: string): boolean;
}

/** The facts shipping publishes; written to the outbox inside the same transaction as the change. */
export interface ShipmentEvents {
  scheduled(shipment: Shipment): void;
  statusChanged(shipment: Shipment, previousStatus: ShipmentStatus): void;
}

/**
 * Runs `work` (synchronous, like better-sqlite3) in one database transaction; waits without blocking while
 * another process holds the database, and rejects with a 503 database_busy error if that lasts.
 */
export type RunInTransaction = <T>(work: () => T) => Promise<T>;

/** The order an event is about, as order-service (its owner) knows it. */
export interface OrderRecord {
  customerId: string;
  status: string;
}

/**
 * Asks order-service about an order: undefined when it does not exist; rejects when order-service cannot
 * answer now (the event is then retried).
 */
export interface OrderDirectory {
  find(orderId: string): Promise<OrderRecord | undefined>;
}
