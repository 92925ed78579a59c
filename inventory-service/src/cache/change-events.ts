import type { Outbox, Transactor } from '@shop/platform/runtime';
import type { EventData, EventType } from '@shop/platform/contracts';

import type { EventSink } from '../domain/ports.js';

/** The products an event says changed: every event of a product or stock change names them. */
function changedProducts(type: EventType, data: unknown): number[] {
  switch (type) {
    case 'ProductChanged':
      return [(data as EventData<'ProductChanged'>).productId];
    case 'StockReserved':
    case 'StockReleased':
      return (data as EventData<'StockReserved'>).items.map((item) => item.productId);
    default:
      return [];
  }
}

/**
 * Ties cache invalidation to the events of the transaction that made the change: the sink forwards each event
 * to the outbox (same transaction) and notes the products it names; once the transaction has committed,
 * `afterCommit` gets them. A rolled-back transaction changed nothing and its events are gone with it, so
 * nothing is invalidated. A change that writes no event is a bug in both the bus and the cache, never in only one.
 */
export function trackChanges(
  outbox: Pick<Outbox, 'add'> | undefined,
  transaction: Transactor,
  afterCommit: (productIds: Set<number>) => Promise<void>,
): { events: EventSink; transaction: Transactor } {
  let collecting: Set<number> | undefined;
  const events: EventSink = {
    add(type, data) {
      outbox?.add(type, data);
      if (collecting) for (const id of changedProducts(type, data)) collecting.add(id);
    },
  };
  const tracked: Transactor = async (work) => {
    const changed = new Set<number>();
    const result = await transaction(() => {
      const outer = collecting;
      collecting = changed;
      try {
        return work();
      } finally {
        collecting = outer;
      }
    });
    if (changed.size > 0) await afterCommit(changed);
    return result;
  };
  return { events, transaction: tracked };
}
