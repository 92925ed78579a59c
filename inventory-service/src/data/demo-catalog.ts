import type { Db } from '@shop/platform/runtime';
import type { NewProduct } from '../domain/product.js';
import { createProductRepository } from './product-repository.js';

/** Ids 1..12 in this order; the README's walkthrough buys product 1, so it has plenty of stock. */
export const DEMO_CATALOG: readonly NewProduct[] = [
  { sku: 'KB-MECH-001', name: 'Mechanical Keyboard', description: 'Tenkeyless keyboard with tactile switches and PBT keycaps.', priceCents: 8999, stock: 100 },
  { sku: 'MS-WL-002', name: 'Wireless Mouse', description: 'Ergonomic mouse, 70-day battery, silent clicks.', priceCents: 2999, stock: 80 },
  { sku: 'MN-27-003', name: '27" 4K Monitor', description: 'IPS panel, USB-C with 65 W power delivery.', priceCents: 32999, stock: 25 },
  { sku: 'HP-NC-004', name: 'Noise-Cancelling Headphones', description: 'Over-ear, adaptive noise cancelling, 30 h battery.', priceCents: 19999, stock: 40 },
  { sku: 'WC-HD-005', name: 'HD Webcam', description: '1080p at 60 fps with dual microphones.', priceCents: 5999, stock: 50 },
  { sku: 'DK-USBC-006', name: 'USB-C Dock', description: 'Two displays, gigabit ethernet, SD reader.', priceCents: 14999, stock: 30 },
  { sku: 'SS-1TB-007', name: 'Portable SSD 1 TB', description: 'USB 3.2 Gen 2, up to 1,050 MB/s, drop resistant.', priceCents: 10999, stock: 60 },
  { sku: 'LS-ALU-008', name: 'Aluminium Laptop Stand', description: 'Adjustable height, folds flat for travel.', priceCents: 3999, stock: 70 },
  { sku: 'DM-XL-009', name: 'Desk Mat XL', description: 'Stitched edges, water-resistant surface, 90 x 40 cm.', priceCents: 1999, stock: 120 },
  { sku: 'MC-USB-010', name: 'USB Microphone', description: 'Cardioid condenser microphone for calls and streaming.', priceCents: 7999, stock: 35 },
  { sku: 'CH-65W-011', name: '65 W GaN Charger', description: 'Two USB-C ports and one USB-A, foldable plug.', priceCents: 4499, stock: 90 },
  { sku: 'LP-LED-012', name: 'LED Desk Lamp', description: 'Dimmable, adjustable colour temperature, USB charging port.', priceCents: 3499, stock: 45 },
];

/**
 * Writes the demo catalog with ids 1..12 on a database that never held a product. Returns how many were
 * written (0 when the catalog already exists or an admin emptied it: their edits are never overwritten).
 */
export function seedDemoCatalog(db: Db, now: string = new Date().toISOString()): number {
  const products = createProductRepository(db);
  // Read first: a database that cannot be written (readiness says so) still starts when it has a catalog.
  if (products.everHadProducts()) return 0;
  // At start-up, before the service listens: nothing else waits on the event loop yet.
  return db.transaction(() => {
    if (products.everHadProducts()) return 0;
    DEMO_CATALOG.forEach((product, index) => products.insert(product, now, index + 1));
    return DEMO_CATALOG.length;
  }).immediate();
}
