import { AppError, conflict, notFound, type Transactor } from '@shop/platform/runtime';
import {
  DuplicateSkuError,
  type EventSink,
  type ProductPage,
  type ProductRepository,
  type ReservationRepository,
} from './ports.js';
import {
  normaliseSearch,
  type NewProduct,
  type Product,
  type ProductDetails,
  type ProductQuery,
  type StockChange,
} from './product.js';

export interface CatalogDeps {
  products: ProductRepository;
  reservations: ReservationRepository;
  transaction: Transactor;
  /** Every change writes a ProductChanged event here, inside its transaction (the outbox, the cache). */
  events: EventSink;
  now: () => string;
}

export type Catalog = ReturnType<typeof createCatalog>;

export function createCatalog({ products, reservations, transaction, events, now }: CatalogDeps) {
  function skuTaken(sku: string): AppError {
    return conflict('sku_taken', `A product with SKU ${sku} already exists`);
  }

  function existing(id: number): Product {
    const product = products.findById(id);
    if (!product) throw notFound('Product');
    return product;
  }

  return {
    list(query: ProductQuery): ProductPage {
      const q = query.q?.trim() ? normaliseSearch(query.q.trim()) : undefined;
      return products.list({
        q,
        sort: query.sort ?? 'id',
        limit: query.limit,
        offset: (query.page - 1) * query.limit,
      });
    },

    get: existing,

    async create(product: NewProduct): Promise<Product> {
      try {
        return await transaction(() => {
          const created = products.insert(product, now());
          events.add('ProductChanged', {
            productId: created.id,
            change: 'created',
            priceCents: created.priceCents,
            stock: created.stock,
          });
          return created;
        });
      } catch (error) {
        if (error instanceof DuplicateSkuError) throw skuTaken(product.sku);
        throw error;
      }
    },

    async replace(id: number, details: ProductDetails): Promise<Product> {
      try {
        return await transaction(() => {
          const updated = products.update(id, details, now());
          if (!updated) throw notFound('Product');
          events.add('ProductChanged', {
            productId: id,
            change: 'updated',
            priceCents: updated.priceCents,
            stock: updated.stock,
          });
          return updated;
        });
      } catch (error) {
        if (error instanceof DuplicateSkuError) throw skuTaken(details.sku);
        throw error;
      }
    },

    /** Refused while a reservation still holds its units: the saga would have nothing to commit or release. */
    remove(id: number): Promise<void> {
      return transaction(() => {
        existing(id);
        if (reservations.hasActiveFor(id)) {
          throw conflict(
            'product_reserved',
            'The product has active reservations; try again once they settle',
          );
        }
        products.remove(id);
        events.add('ProductChanged', { productId: id, change: 'deleted' });
      });
    },

    changeStock(id: number, change: StockChange): Promise<Product> {
      return transaction(() => {
        const product = existing(id);
        const applied =
          'delta' in change
            ? products.adjustStock(id, change.delta, now())
            : products.setStock(id, change.stock, now());
        if (!applied) {
          throw new AppError('insufficient_stock', 'Stock cannot go below zero', 409, {
            details: {
              productId: id,
              available: product.stock,
              delta: 'delta' in change ? change.delta : undefined,
            },
          });
        }
        const changed = existing(id);
        events.add('ProductChanged', {
          productId: id,
          change: 'stock',
          priceCents: changed.priceCents,
          stock: changed.stock,
        });
        return changed;
      });
    },
  };
}
