import type { EventSink } from '../domain/ports.js';
import type { Reservation, ReservationHooks, ReservationStatus } from '../domain/reservation.js';

function stockLines(reservation: Reservation): { productId: number; quantity: number }[] {
  return reservation.items.map((line) => ({ productId: line.productId, quantity: line.quantity }));
}

/** Why units went back to stock: a saga compensation (RESERVED) or the restock of a cancelled order (COMMITTED). */
function releaseReason(previousStatus: ReservationStatus): string {
  return previousStatus === 'COMMITTED' ? 'order_cancelled_restock' : 'reservation_released';
}

/** Reservation hooks that write StockReserved / StockReleased into the outbox, inside the stock transaction. */
export function stockEventHooks(outbox: EventSink): ReservationHooks {
  return {
    onStockReserved(reservation) {
      outbox.add('StockReserved', { orderId: reservation.orderId, items: stockLines(reservation) });
    },
    onStockReleased(reservation, previousStatus) {
      outbox.add('StockReleased', {
        orderId: reservation.orderId,
        items: stockLines(reservation),
        reason: releaseReason(previousStatus),
      });
    },
  };
}
