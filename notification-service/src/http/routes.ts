import { Router } from '@koa/router';
import { abilityOf, authorize, notFound, parseInput, requireUser } from '@shop/platform/runtime';
import { subject, type AppAbility, canActOnEveryRow } from '@shop/platform/contracts';
// The request schemas are the shared contract's, the ones the OpenAPI document is built from.
import { notificationIdPath, notificationListQuery } from '@shop/platform/api-contract';
import type { Notification } from '../domain/notification.js';
import type { Notifier } from '../domain/notifier.js';

function visible(ability: AppAbility, notification: Notification): boolean {
  return ability.can('read', subject('Notification', notification));
}

/** The public notification API behind the gateway (docs/architecture.md#public-api). */
export function notificationRoutes(notifier: Notifier): Router {
  const router = new Router({ prefix: '/api/notifications' });

  // Customers see their own notifications (the customerId filter cannot widen that); admins see all.
  router.get('/', authorize('read', 'Notification'), (ctx) => {
    const user = requireUser(ctx);
    const ability = abilityOf(ctx);
    const query = parseInput(notificationListQuery, ctx.query, 'query');
    const everyone = canActOnEveryRow(ability, 'read', 'Notification');
    const pagination = { page: query.page, limit: query.limit };
    if (!everyone && query.customerId !== undefined && query.customerId !== user.id) {
      ctx.body = { data: [], pagination: { ...pagination, total: 0 } };
      return;
    }
    const page = notifier.list({
      customerId: everyone ? query.customerId : user.id,
      eventType: query.eventType,
      status: query.status,
      unread: query.unread === 'true',
      offset: (query.page - 1) * query.limit,
      limit: query.limit,
    });
    ctx.body = {
      data: page.rows.filter((notification) => visible(ability, notification)),
      pagination: { ...pagination, total: page.total },
    };
  });

  router.get('/:id', authorize('read', 'Notification'), (ctx) => {
    const { id } = parseInput(notificationIdPath, ctx.params, 'path');
    const notification = notifier.find(id);
    // Another customer's notification answers exactly like a missing one.
    if (!notification || !visible(abilityOf(ctx), notification)) throw notFound('Notification');
    ctx.body = notification;
  });

  // The customer marks their own notification read (idempotent: the first instant stays). Reading is the
  // permission: whoever may see a notification may mark it; another customer's answers 404, like a missing one.
  router.post('/:id/read', authorize('read', 'Notification'), (ctx) => {
    const { id } = parseInput(notificationIdPath, ctx.params, 'path');
    const notification = notifier.find(id);
    if (!notification || !visible(abilityOf(ctx), notification)) throw notFound('Notification');
    ctx.body = notifier.markRead(id);
  });

  return router;
}
