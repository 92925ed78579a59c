import type { Db } from '@shop/platform/runtime';
import {
  CURRENCY,
  searchTextOf,
  type NewProduct,
  type Product,
  type ProductDetails,
  type ProductSort,
} from '../domain/product.js';
import { DuplicateSkuError, type ProductPage, type ProductRepository } from '../domain/ports.js';

interface ProductRow {
  id: number;
  sku: string;
  name: string;
  description: string;
  price_cents: number;
  stock: number;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, sku, name, description, price_cents, stock, created_at, updated_at';

// The only ORDER BY clauses that ever reach SQL: sort values are matched against this allowlist.
const ORDER_BY: Record<ProductSort | 'id', string> = {
  id: 'id ASC',
  name: 'name COLLATE NOCASE ASC, id ASC',
  '-name': 'name COLLATE NOCASE DESC, id DESC',
  price: 'price_cents ASC, id ASC',
  '-price': 'price_cents DESC, id DESC',
  createdAt: 'created_at ASC, id ASC',
  '-createdAt': 'created_at DESC, id DESC',
};

function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    currency: CURRENCY,
    stock: row.stock,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createProductRepository(db: Db): ProductRepository {
  const byId = db.prepare<[number], ProductRow>(`SELECT ${COLUMNS} FROM products WHERE id = ?`);
  const countMatching = db.prepare<{ q: string | null }, { n: number }>(
    'SELECT COUNT(*) AS n FROM products WHERE (@q IS NULL OR instr(search_text, @q) > 0)',
  );
  const insert = db.prepare<{
    id: number | null;
    sku: string;
    name: string;
    description: string;
    searchText: string;
    priceCents: number;
    stock: number;
    now: string;
  }>(
    `INSERT INTO products (id, sku, name, description, search_text, price_cents, currency, stock, created_at, updated_at)
     VALUES (@id, @sku, @name, @description, @searchText, @priceCents, 'USD', @stock, @now, @now)`,
  );
  const update = db.prepare<{
    id: number;
    sku: string;
    name: string;
    description: string;
    searchText: string;
    priceCents: number;
    now: string;
  }>(
    `UPDATE products SET sku = @sku, name = @name, description = @description, search_text = @searchText,
       price_cents = @priceCents, updated_at = @now WHERE id = @id`,
  );
  const remove = db.prepare<[number]>('DELETE FROM products WHERE id = ?');
  // Conditional updates: the check and the write are one statement, so stock can never go below zero.
  const take = db.prepare<[number, string, number, number]>(
    'UPDATE products SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ?',
  );
  const give = db.prepare<[number, string, number]>('UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ?');
  const adjust = db.prepare<[number, string, number, number]>(
    'UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ? AND stock + ? >= 0',
  );
  const set = db.prepare<[number, string, number]>('UPDATE products SET stock = ?, updated_at = ? WHERE id = ?');
  const everSeeded = db.prepare<[], { n: number }>(
    "SELECT (SELECT COUNT(*) FROM products) + (SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'products') AS n",
  );
  const listings = new Map<ProductSort | 'id', ReturnType<typeof prepareListing>>();

  function prepareListing(sort: ProductSort | 'id') {
    return db.prepare<{ q: string | null; limit: number; offset: number }, ProductRow>(
      `SELECT ${COLUMNS} FROM products WHERE (@q IS NULL OR instr(search_text, @q) > 0)
       ORDER BY ${ORDER_BY[sort]} LIMIT @limit OFFSET @offset`,
    );
  }

  function listing(sort: ProductSort | 'id') {
    let statement = listings.get(sort);
    if (!statement) {
      statement = prepareListing(sort);
      listings.set(sort, statement);
    }
    return statement;
  }

  function findById(id: number): Product | undefined {
    const row = byId.get(id);
    return row ? toProduct(row) : undefined;
  }

  return {
    findById,

    /** `q` must already be lower-cased (see normaliseSearch). */
    list(options: { q?: string | undefined; sort: ProductSort | 'id'; limit: number; offset: number }): ProductPage {
      const q = options.q ?? null;
      const rows = listing(options.sort).all({ q, limit: options.limit, offset: options.offset });
      const total = countMatching.get({ q })?.n ?? 0;
      return { rows: rows.map(toProduct), total };
    },

    /** Inserts and returns the product; `id` only for the seeded demo catalog. */
    insert(product: NewProduct, now: string, id?: number): Product {
      const result = uniqueSku(product.sku, () =>
        insert.run({
        id: id ?? null,
        sku: product.sku,
        name: product.name,
        description: product.description,
        searchText: searchTextOf(product),
        priceCents: product.priceCents,
        stock: product.stock,
        now,
      }),
      );
      return findById(Number(result.lastInsertRowid)) as Product;
    },

    update(id: number, details: ProductDetails, now: string): Product | undefined {
      const result = uniqueSku(details.sku, () =>
        update.run({ id, ...details, searchText: searchTextOf(details), now }),
      );
      return result.changes === 0 ? undefined : findById(id);
    },

    remove(id: number): boolean {
      return remove.run(id).changes > 0;
    },

    /** Takes `quantity` units if that many are available; false (and nothing changed) otherwise. */
    takeStock(id: number, quantity: number, now: string): boolean {
      return take.run(quantity, now, id, quantity).changes === 1;
    },

    returnStock(id: number, quantity: number, now: string): void {
      give.run(quantity, now, id);
    },

    /** Adds `delta` (may be negative) unless the result would be below zero. */
    adjustStock(id: number, delta: number, now: string): boolean {
      return adjust.run(delta, now, id, delta).changes === 1;
    },

    setStock(id: number, stock: number, now: string): boolean {
      return set.run(stock, now, id).changes === 1;
    },

    /** True once any product was ever inserted (deleting them all does not make the catalog "new"). */
    everHadProducts(): boolean {
      return (everSeeded.get()?.n ?? 0) > 0;
    },
  };
}

/** Runs the statement; SQLite's unique violation on the SKU becomes the domain's DuplicateSkuError. */
function uniqueSku<T>(sku: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateSkuError(sku);
    throw error;
  }
}
