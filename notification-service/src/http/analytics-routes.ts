import { Router } from '@koa/router';
import { analyticsEventBody, analyticsSummaryQuery } from '@shop/platform/api-contract';
import { abilityFor } from '@shop/platform/contracts';
import { authorize, forbidden, parseInput } from '@shop/platform/runtime';
import type { Analytics } from '../domain/analytics.js';

/** POST /api/analytics/events (anonymous or signed in) and the admin summary. */
export function analyticsRoutes(analytics: Analytics): Router {
  const router = new Router({ prefix: '/api/analytics' });

  router.post('/events', async (ctx) => {
    const user = ctx.state.user;
    // Anonymous callers too (authorize() requires a user): the shared abilities grant it to everyone.
    if (!abilityFor(user).can('create', 'Analytics')) throw forbidden();
    const client = user
      ? `user:${user.id}`
      : `ip:${(ctx.get('x-forwarded-for').split(',').pop() ?? '').trim() || ctx.ip}`;
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
