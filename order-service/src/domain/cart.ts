import { createHash } from 'node:crypto';
import { AppError, type Logger } from '@shop/platform/runtime';
import type { StoredResponse } from './idempotency.js';
import type { OrderPlacement, Placement } from './order-placement.js';
import type {
  CartMetrics,
  CartStore,
  CatalogueLookup,
  CataloguePort,
  Clock,
  OrderStore,
  StoredCart,
} from './ports.js';
import type { PlaceOrderOutcome } from './saga.js';

export interface CartSettings {
  /** A cart untouched for this long is gone (read as empty, deleted by the purge). */
  idleTtlMs: number;
  /** Most units of one product in the cart: the same cap as one product in an order. */
  maxQuantity: number;
  /** Most units in the cart, all products: the same cap as the units of an order. */
  maxTotalQuantity: number;
  /** Most distinct products in the cart: the same cap as the lines of an order. */
  maxItems: number;
  /** Carts deleted per purge pass at most. */
  purgeBatchSize: number;
}

export interface CartItemView {
  productId: number;
  quantity: number;
  /** From the catalogue now; null when the catalogue could not be read. */
  name: string | null;
  unitPriceCents: number | null;
  lineTotalCents: number | null;
  /** Stock covers the quantity; false when it does not or the product is gone; null when unknown. */
  available: boolean | null;
  /** `unknown_product`: the catalogue no longer lists it; `out_of_stock`: fewer units than asked for. */
  unavailableReason?: 'unknown_product' | 'out_of_stock';
  addedAt: string;
}

export interface CartView {
  customerId: string;
  items: CartItemView[];
  /** Distinct products. */
  itemCount: number;
  totalQuantity: number;
  /** Sum of the available lines at catalogue prices; null when some price is unknown. */
  subtotalCents: number | null;
  currency: string;
  /** `unavailable`: inventory could not be read, so names, prices and availability are null. */
  catalogue: 'ok' | 'unavailable';
  /** Set while a checkout of this cart is placing its order. */
  checkout?: { orderId: string; state: 'in_progress' };
  limits: { maxQuantity: number; maxItems: number };
  updatedAt: string | null;
  expiresAt: string | null;
}

const CURRENCY = 'USD';

/** The checkout's identity for Idempotency-Key: the payment token (the cart is read once the key is claimed). */
function checkoutHash(paymentToken: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ checkout: 'cart', token: paymentToken }))
    .digest('hex');
}

/**
 * One cart per customer, in order-service's database. Checkout places the order through the shared
 * place-order use case; the order's creating transaction marks the cart with the order's id, and the cart
 * is settled against that order afterwards (emptied when the order exists and is not cancelled, kept as it
 * was when the order was refused). A cart still marked on its next use (the process stopped in between) is
 * settled then, so the cart never empties without an order and never survives its order.
 */
export function createCart(deps: {
  carts: CartStore;
  orders: OrderStore;
  /** Orders whose saga or recovery is running in this process (the saga's own set). */
  inFlight: ReadonlySet<string>;
  catalogue: CataloguePort;
  placements: OrderPlacement;
  clock: Clock;
  metrics: CartMetrics;
  logger: Logger;
  settings: CartSettings;
}) {
  const { carts, orders, inFlight, catalogue, placements, clock, metrics, logger, settings } = deps;

  const expiryOf = (cart: StoredCart) => new Date(Date.parse(cart.updatedAt) + settings.idleTtlMs);

  /** Resolves a checkout mark. 'busy': its order is still being placed here. */
  function settle(cart: StoredCart): StoredCart | undefined | 'busy' {
    const orderId = cart.checkoutOrderId;
    if (orderId === null) return cart;
    if (inFlight.has(orderId)) return 'busy';
    const order = orders.find(orderId);
    const keep = order === undefined || order.status === 'CANCELLED';
    carts.transaction(() => {
      if (keep) carts.markCheckout(cart.customerId, null, clock.now().toISOString());
      else carts.remove(cart.customerId);
    });
    if (!keep) {
      logger.info('cart emptied: its checkout order exists', { orderId, orderStatus: order?.status });
      return undefined;
    }
    return { ...cart, checkoutOrderId: null };
  }

  /** The customer's live cart: expired carts are deleted on sight, checkout marks settled. */
  function current(customerId: string): StoredCart | undefined | 'busy' {
    const cart = carts.find(customerId);
    if (cart === undefined) return undefined;
    if (cart.checkoutOrderId !== null) return settle(cart);
    if (expiryOf(cart) <= clock.now()) {
      carts.remove(customerId);
      metrics.expired(1);
      return undefined;
    }
    return cart;
  }

  function writable(customerId: string): StoredCart | undefined {
    const cart = current(customerId);
    if (cart === 'busy') {
      throw new AppError('checkout_in_progress', 'This cart is being checked out; try again shortly', 409, {
        headers: { 'Retry-After': '1' },
      });
    }
    return cart;
  }

  async function render(customerId: string): Promise<CartView> {
    const state = current(customerId);
    const cart = state === 'busy' ? carts.find(customerId) : state;
    const lines = cart?.lines ?? [];
    const lookups = await Promise.all(lines.map((line) => catalogue.product(line.productId)));
    let subtotal: number | null = 0;
    let unavailable = false;
    const items = lines.map((line, index): CartItemView => {
      const lookup = lookups[index] as CatalogueLookup;
      if (lookup.kind === 'unavailable') {
        unavailable = true;
        subtotal = null;
        return { ...base(line), name: null, unitPriceCents: null, lineTotalCents: null, available: null };
      }
      if (lookup.kind === 'not_found') {
        return {
          ...base(line),
          name: null,
          unitPriceCents: null,
          lineTotalCents: null,
          available: false,
          unavailableReason: 'unknown_product',
        };
      }
      const { product } = lookup;
      const lineTotal = product.priceCents * line.quantity;
      const inStock = product.stock >= line.quantity;
      if (subtotal !== null && inStock) subtotal += lineTotal;
      return {
        ...base(line),
        name: product.name,
        unitPriceCents: product.priceCents,
        lineTotalCents: lineTotal,
        available: inStock,
        ...(inStock ? {} : { unavailableReason: 'out_of_stock' as const }),
      };
    });
    const view: CartView = {
      customerId,
      items,
      itemCount: items.length,
      totalQuantity: lines.reduce((sum, line) => sum + line.quantity, 0),
      subtotalCents: subtotal,
      currency: CURRENCY,
      catalogue: unavailable ? 'unavailable' : 'ok',
      limits: { maxQuantity: settings.maxQuantity, maxItems: settings.maxItems },
      updatedAt: cart?.updatedAt ?? null,
      expiresAt: cart === undefined ? null : expiryOf(cart).toISOString(),
    };
    if (state === 'busy' && cart?.checkoutOrderId) {
      view.checkout = { orderId: cart.checkoutOrderId, state: 'in_progress' };
    }
    return view;
  }

  function base(line: { productId: number; quantity: number; addedAt: string }) {
    return { productId: line.productId, quantity: line.quantity, addedAt: line.addedAt };
  }

  function quantityLimit(productId: number): AppError {
    return new AppError(
      'cart_quantity_limit',
      `At most ${settings.maxQuantity} units of one product fit in the cart`,
      422,
      { details: [{ path: 'quantity', message: `at most ${settings.maxQuantity}`, productId }] },
    );
  }

  return {
    view: render,

    /** Sets the product's quantity (adds the line when it is new). */
    async setQuantity(customerId: string, productId: number, quantity: number): Promise<CartView> {
      if (quantity > settings.maxQuantity) throw quantityLimit(productId);
      const before = writable(customerId);
      const isNew = !(before?.lines ?? []).some((line) => line.productId === productId);
      if (isNew && (before?.lines.length ?? 0) >= settings.maxItems) {
        throw new AppError(
          'cart_item_limit',
          `The cart holds at most ${settings.maxItems} different products; remove one first`,
          422,
          { details: [{ path: 'productId', message: `at most ${settings.maxItems} products` }] },
        );
      }
      const lookup = await catalogue.product(productId);
      if (lookup.kind === 'not_found') {
        throw new AppError('unknown_product', `Product ${productId} is not in the catalogue`, 422, {
          details: [{ productId }],
        });
      }
      if (lookup.kind === 'unavailable') {
        // Accepted unchecked: checkout's reservation validates the product and its stock anyway.
        logger.warn('cart line accepted without a catalogue check: inventory unavailable', {
          productId,
          detail: lookup.detail,
        });
      }
      // The catalogue call awaited: the cart may have changed meanwhile, so the checks run again, atomically.
      carts.transaction(() => {
        const now = writable(customerId);
        const lines = now?.lines ?? [];
        if (!lines.some((line) => line.productId === productId) && lines.length >= settings.maxItems) {
          throw new AppError(
            'cart_item_limit',
            `The cart holds at most ${settings.maxItems} different products; remove one first`,
            422,
          );
        }
        const others = lines.reduce(
          (sum, line) => (line.productId === productId ? sum : sum + line.quantity),
          0,
        );
        if (others + quantity > settings.maxTotalQuantity) {
          throw new AppError(
            'cart_quantity_limit',
            `At most ${settings.maxTotalQuantity} units fit in the cart, all products together`,
            422,
            {
              details: [
                { path: 'quantity', message: `at most ${settings.maxTotalQuantity - others}`, productId },
              ],
            },
          );
        }
        const at = clock.now().toISOString();
        carts.touch(customerId, at);
        carts.setLine(customerId, productId, quantity, at);
      });
      metrics.updated('set_quantity');
      return render(customerId);
    },

    async removeItem(customerId: string, productId: number): Promise<CartView> {
      const cart = writable(customerId);
      if (cart !== undefined) {
        carts.transaction(() => {
          carts.removeLine(customerId, productId);
          carts.touch(customerId, clock.now().toISOString());
        });
      }
      metrics.updated('remove_item');
      return render(customerId);
    },

    clear(customerId: string): void {
      if (writable(customerId) !== undefined) carts.remove(customerId);
      metrics.updated('clear');
    },

    /**
     * Places the cart as an order under the Idempotency-Key protocol. The cart is read only once the key is
     * claimed, so a retry after success (cart now empty) still replays the first answer.
     */
    async checkout(
      customerId: string,
      key: string,
      paymentToken: string,
      correlationId: string | undefined,
      render: (outcome: PlaceOrderOutcome) => StoredResponse,
    ): Promise<Placement> {
      let placement: Placement;
      try {
        placement = await placements.place(
          {
            customerId,
            requestHash: checkoutHash(paymentToken),
            build: () => {
              const cart = writable(customerId);
              if (cart === undefined || cart.lines.length === 0) {
                throw new AppError('cart_empty', 'The cart is empty: add products before checking out', 422);
              }
              return {
                customerId,
                lines: cart.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
                paymentToken,
                correlationId,
              };
            },
            inCreation: (orderId) => carts.markCheckout(customerId, orderId, clock.now().toISOString()),
          },
          key,
          render,
        );
      } catch (error) {
        metrics.checkout(error instanceof AppError ? error.code : 'error');
        throw error;
      }
      // Fresh, replayed or interrupted: a mark left on the cart is resolved against its order now, or, should
      // that write fail (the file locked), on the next read of the cart; the order is placed either way, and
      // the answer says so.
      try {
        const cart = carts.find(customerId);
        if (cart?.checkoutOrderId) settle(cart);
      } catch (error) {
        logger.warn('cart not emptied after its checkout yet; the next read of the cart does it', {
          err: error as Error,
        });
      }
      const outcome = placement.kind === 'answered' ? String(placement.response.status) : 'replayed';
      metrics.checkout(outcome);
      logger.info('cart checked out', { outcome, placement: placement.kind });
      return placement;
    },

    /** Deletes carts idle past the TTL, except one whose checkout is placing its order right now. */
    purgeIdle(now: Date = clock.now()): number {
      const before = new Date(now.getTime() - settings.idleTtlMs).toISOString();
      const customers = carts.idleSince(before, settings.purgeBatchSize).filter((customerId) => {
        const mark = carts.find(customerId)?.checkoutOrderId;
        return mark === null || mark === undefined || !inFlight.has(mark);
      });
      carts.transaction(() => {
        for (const customerId of customers) carts.remove(customerId);
      });
      if (customers.length > 0) {
        metrics.expired(customers.length);
        logger.info('idle carts expired', { count: customers.length, idleTtlMs: settings.idleTtlMs });
      }
      return customers.length;
    },
  };
}

export type Cart = ReturnType<typeof createCart>;
