import { Router } from '@koa/router';
import { AppError, authorize, currentCorrelationId, parseInput, requireUser } from '@shop/platform/runtime';
// The request schemas are the shared contract's, the ones the OpenAPI document is built from.
import { cartCheckoutBody, cartItemPath, cartQuantityBody } from '@shop/platform/api-contract';
import type { Cart } from '../domain/cart.js';
import { parseIdempotencyKey } from './order-requests.js';
import { renderOutcome, sendPlacement } from './order-responses.js';

/**
 * The caller's own cart (docs/features/cart.md): there is no cart id in any path, so no customer can name
 * another's. `Cart` abilities keep service tokens out; checkout also needs `create Order`.
 */
export function cartRoutes(cart: Cart): Router {
  const router = new Router();

  router.get('/api/cart', authorize('read', 'Cart'), async (ctx) => {
    ctx.body = await cart.view(requireUser(ctx).id);
  });

  router.put('/api/cart/items/:productId', authorize('update', 'Cart'), async (ctx) => {
    const { productId } = parseInput(cartItemPath, ctx.params, 'path');
    const { quantity } = parseInput(cartQuantityBody, ctx.request.body ?? {}, 'body');
    ctx.body = await cart.setQuantity(requireUser(ctx).id, productId, quantity);
  });

  router.delete('/api/cart/items/:productId', authorize('update', 'Cart'), async (ctx) => {
    const { productId } = parseInput(cartItemPath, ctx.params, 'path');
    ctx.body = await cart.removeItem(requireUser(ctx).id, productId);
  });

  router.delete('/api/cart', authorize('delete', 'Cart'), (ctx) => {
    cart.clear(requireUser(ctx).id);
    ctx.status = 204;
  });

  router.post(
    '/api/cart/checkout',
    authorize('update', 'Cart'),
    authorize('create', 'Order'),
    async (ctx) => {
      const customerId = requireUser(ctx).id;
      const key = parseIdempotencyKey(ctx.get('Idempotency-Key'));
      if (key === undefined) {
        throw new AppError(
          'idempotency_key_required',
          'Checkout needs an Idempotency-Key header (a fresh UUID per checkout, reused on its retries)',
          400,
        );
      }
      const { paymentToken } = parseInput(cartCheckoutBody, ctx.request.body ?? {}, 'body');
      const correlationId = currentCorrelationId();
      const placement = await cart.checkout(customerId, key, paymentToken, correlationId, (outcome) =>
        renderOutcome(outcome, correlationId ?? ''),
      );
      // The same answers as POST /api/orders (src/http/routes.ts).
      sendPlacement(ctx, placement);
    },
  );

  return router;
}
