import { openReadOnly, quoted } from './sqlite-reader.js';

/**
 * Available stock per product id, read from inventory-service's SQLite file. Units held by active
 * reservations are added back, so the figure is the stock the saga must conserve, whatever is in flight.
 */
export function readStockLevels(
  inventoryDb: string,
  options: { includeReserved?: boolean } = {},
): Map<number, number> {
  const reader = openReadOnly(inventoryDb);
  const levels = new Map<number, number>();
  if (!reader) return levels;
  try {
    const products = reader.table('products');
    if (!products) return levels;
    const stock = reader.column(products, 'stock', 'available', 'quantity');
    if (!stock) return levels;
    for (const row of reader.all<{ id: number; stock: number }>(
      `SELECT id, ${quoted(stock)} AS stock FROM ${quoted(products)}`,
    )) {
      levels.set(row.id, row.stock);
    }
    if (options.includeReserved !== false) {
      for (const [productId, units] of readHeldUnits(inventoryDb)) {
        levels.set(productId, (levels.get(productId) ?? 0) + units);
      }
    }
    return levels;
  } finally {
    reader.close();
  }
}

/** Units per product id held by RESERVED or COMMITTED reservations (taken out of available stock). */
export function readHeldUnits(inventoryDb: string): Map<number, number> {
  const held = new Map<number, number>();
  const reader = openReadOnly(inventoryDb);
  if (!reader) return held;
  try {
    const reservations = reader.table('reservations');
    const items = reader.table('reservation_items', 'reservation_lines');
    if (!reservations || !items) return held;
    const rows = reader.all<{ productId: number; units: number }>(
      `SELECT i.product_id AS productId, SUM(i.quantity) AS units
         FROM ${quoted(items)} i JOIN ${quoted(reservations)} r ON r.order_id = i.order_id
        WHERE r.status IN ('RESERVED', 'COMMITTED')
        GROUP BY i.product_id`,
    );
    for (const row of rows) held.set(row.productId, row.units);
    return held;
  } finally {
    reader.close();
  }
}
