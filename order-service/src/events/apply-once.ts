import type { EventHandlerContext } from '@shop/platform';

/** Runs the effect with the inbox row in one transaction; undefined when the event was already applied. */
export function applyOnce<T>(context: EventHandlerContext, effect: () => T): T | undefined {
  let outcome: T | undefined;
  context.inTransaction(() => {
    outcome = effect();
  });
  return outcome;
}
