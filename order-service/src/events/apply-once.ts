import type { EventHandlerContext } from '@shop/platform/runtime';

/**
 * Runs the effect with the inbox row in one transaction (retried while another process locks the database);
 * undefined when the event was already applied. An error thrown by the effect rolls both back.
 */
export async function applyOnce<T>(context: EventHandlerContext, effect: () => T): Promise<T | undefined> {
  let outcome: T | undefined;
  await context.inTransaction(() => {
    outcome = effect();
  });
  return outcome;
}
