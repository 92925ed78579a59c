import { Router } from '@koa/router';
import { analyticsEventBody, analyticsSummaryQuery } from '@shop/platform/api-contract';
import { abilityFor } from '@shop/platform/contracts';
import {
  authorize,
  forbidden,
  parseInput,
  vouchedClientAddress,
  type TokenService,
} from '@shop/platform/runtime';
import type { Analytics } from '../domain/analytics.js';

/** POST /api/analytics/events (anonymous or signed in) and the admin summary. */
export function analyticsRoutes(
  analytics: Analytics,
  tokens: Pick<TokenService, 'clientAddressFrom'>,
): Router {
  const router = new Router({ prefix: '/api/analytics' });

  router.post('/events', async (ctx) => {
    const user = ctx.state.user;
    // Anonymous callers too (authorize() requires a user): the shared abilities grant it to everyone.
    if (!abilityFor(user).can('create', 'Analytics')) throw forbidden();
    // Anonymous callers are budgeted per address: the one the gateway vouched for, else the socket's.
    const client = user ? `user:${user.id}` : `ip:${vouchedClientAddress(ctx, tokens)}`;
    const event = parseInput(analyticsEventBody, ctx.request.body, 'body');
    await analytics.recordClientEvent(event, client, user !== undefined);
    ctx.status = 202;
    ctx.body = { accepted: true, type: event.type };
  });

  router.get('/summary', authorize('manage', 'Analytics'), (ctx) => {
    const { hours } = parseInput(analyticsSummaryQuery, ctx.query, 'query');
    ctx.body = analytics.summary(hours);
  });

  return router;
}
