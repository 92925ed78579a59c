import { AppError, assertAllowed, type Budget } from '@shop/platform/runtime';
import type { RequestedLine } from './order.js';
import type { DeferredOrder, OrderPlacement } from './order-placement.js';

/** The business-flow limits on order placement (OWASP API6:2023), all configurable. */
export interface PlacementLimits {
  /** Orders one customer may place per window (ORDER_PLACEMENT_POINTS per ORDER_PLACEMENT_DURATION_SECONDS). */
  budget: Budget;
  /** Most units of one product in one order (ORDER_MAX_QUANTITY_PER_PRODUCT). */
  maxQuantityPerProduct: number;
  /** Most units in one order, every product together (ORDER_MAX_QUANTITY_PER_ORDER). */
  maxQuantityPerOrder: number;
}

const quantityLimitExceeded = (message: string, details: unknown): AppError =>
  new AppError('quantity_limit_exceeded', message, 422, { details });

/** 422 `quantity_limit_exceeded` when a product's or the order's units exceed the caps. */
function assertWithinQuantityCaps(lines: readonly RequestedLine[], limits: PlacementLimits): void {
  const tooMany = lines.filter((line) => line.quantity > limits.maxQuantityPerProduct);
  if (tooMany.length > 0) {
    throw quantityLimitExceeded(`At most ${limits.maxQuantityPerProduct} units of a product per order`, {
      maxQuantityPerProduct: limits.maxQuantityPerProduct,
      products: tooMany.map((line) => ({ productId: line.productId, quantity: line.quantity })),
    });
  }
  const total = lines.reduce((sum, line) => sum + line.quantity, 0);
  if (total > limits.maxQuantityPerOrder) {
    throw quantityLimitExceeded(`At most ${limits.maxQuantityPerOrder} units per order`, {
      maxQuantityPerOrder: limits.maxQuantityPerOrder,
      quantity: total,
    });
  }
}

/**
 * Every order placement (POST /api/orders and the cart's checkout) goes through this: the customer's
 * placement budget (429 order_rate_limited with Retry-After), then the quantity caps (422
 * quantity_limit_exceeded, nothing reserved or charged; for a checkout, checked on the cart's lines when the
 * order is built). The budget is kept in the service's database or Redis, so every replica shares it, whoever
 * calls the service. Every attempt counts, a retry with the same Idempotency-Key included.
 */
export function guardPlacements(placements: OrderPlacement, limits: PlacementLimits): OrderPlacement {
  return {
    async place(order, idempotencyKey, render) {
      if (!('build' in order)) assertWithinQuantityCaps(order.lines, limits);
      assertAllowed(
        await limits.budget.consume(order.customerId),
        'order_rate_limited',
        'Too many orders placed, retry later',
      );
      if (!('build' in order)) return placements.place(order, idempotencyKey, render);
      const deferred: DeferredOrder = {
        ...order,
        build: () => {
          const command = order.build();
          assertWithinQuantityCaps(command.lines, limits);
          return command;
        },
      };
      return placements.place(deferred, idempotencyKey, render);
    },
  };
}
