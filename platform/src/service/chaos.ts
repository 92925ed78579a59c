import type { Context, Next } from 'koa';
import { Router } from '@koa/router';
import { faultBody } from '../api-contract/schemas.js';
import { AppError, badRequest } from '../errors/app-error.js';
import { authorize } from './auth-middleware.js';

interface Fault {
  errorRate: number;
  latencyMs: number;
  until: number;
}

// The public contract's schema: the gateway documents /admin/chaos/:service with it.
const faultSchema = faultBody;

const UNTOUCHED = /^\/(health|metrics|chaos)(\/|$)/;

/**
 * Fault injection for the resilience suite (docs/architecture.md#resilience-policies). Only mounted with CHAOS_ENABLED=true, admin only:
 * `POST /chaos {errorRate, latencyMs, durationMs}` makes the service slow and/or fail for a while;
 * `DELETE /chaos` heals it. Health, metrics and the chaos routes themselves are never affected.
 */
export function createChaos() {
  let fault: Fault | undefined;

  const router = new Router();
  router.get('/chaos', authorize('manage', 'Chaos'), (ctx) => {
    ctx.body = { active: active() ?? null };
  });
  router.post('/chaos', authorize('manage', 'Chaos'), (ctx) => {
    const parsed = faultSchema.safeParse(ctx.request.body ?? {});
    if (!parsed.success) throw badRequest('Invalid fault', parsed.error.issues);
    const { errorRate, latencyMs, durationMs } = parsed.data;
    fault = { errorRate, latencyMs, until: Date.now() + durationMs };
    ctx.status = 201;
    ctx.body = { active: fault };
  });
  router.delete('/chaos', authorize('manage', 'Chaos'), (ctx) => {
    fault = undefined;
    ctx.status = 204;
  });

  function active(): Fault | undefined {
    if (fault && fault.until <= Date.now()) fault = undefined;
    return fault;
  }

  async function inject(ctx: Context, next: Next): Promise<void> {
    const current = active();
    if (!current || UNTOUCHED.test(ctx.path)) {
      await next();
      return;
    }
    if (current.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, current.latencyMs));
    if (current.errorRate > 0 && Math.random() < current.errorRate) {
      throw new AppError('chaos_injected', 'Injected fault', 500);
    }
    await next();
  }

  return { router, inject };
}
