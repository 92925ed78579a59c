import { FakeHttpService, sendJson, wait, type RecordedCall } from './fake-http.js';
import type { ServerResponse } from 'node:http';

interface Product {
  name: string;
  priceCents: number;
  stock: number;
}

interface ReserveBody {
  orderId: string;
  items: { productId: number; quantity: number }[];
  deadline?: string;
}

interface Reservation {
  orderId: string;
  status: 'RESERVED' | 'COMMITTED' | 'RELEASED';
  items: { productId: number; name: string; quantity: number; unitPriceCents: number }[];
}

/** The internal inventory contract (service.md), in memory, with switches to play failures. */
export class FakeInventory extends FakeHttpService {
  readonly products = new Map<number, Product>();
  readonly reservations = new Map<string, Reservation>();
  /** Delay before answering a reservation (the reservation itself happens at once). */
  reserveDelayMs = 0;
  /** Keep reservation requests unprocessed until `landHeld()` (a reservation stuck on its way). */
  holdReservations = false;
  private readonly held: { body: ReserveBody; res: ServerResponse }[] = [];
  /** Keep commit requests unanswered (and not applied) until `landHeldCommits()`. */
  holdCommits = false;
  private readonly heldCommits: { reservation: Reservation; res: ServerResponse }[] = [];

  constructor(products: Record<number, Product>) {
    super((call, res) => this.answer(call, res));
    for (const [id, product] of Object.entries(products)) this.products.set(Number(id), { ...product });
  }

  stockOf(productId: number): number {
    return this.products.get(productId)?.stock ?? 0;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Processes the held reservations as if they reached inventory at `at` (default: just before each one's
   * deadline), refusing those past their deadline.
   */
  landHeld(at: Date | 'in_time' = 'in_time'): { status: number; body: unknown }[] {
    return this.held.splice(0).map(({ body, res }) => {
      const result = this.reserve(body, at === 'in_time' ? justBefore(body.deadline) : at);
      sendJson(res, result.status, result.body);
      return result;
    });
  }

  get heldCommitCount(): number {
    return this.heldCommits.length;
  }

  /** Applies and answers the held commits. */
  landHeldCommits(): void {
    for (const { reservation, res } of this.heldCommits.splice(0)) this.commit(reservation, res);
  }

  private commit(reservation: Reservation, res: ServerResponse): void {
    if (reservation.status === 'RESERVED') reservation.status = 'COMMITTED';
    sendJson(res, 200, { orderId: reservation.orderId, status: reservation.status });
  }

  private async answer(call: RecordedCall, res: ServerResponse): Promise<void> {
    const product = /^\/api\/products\/(\d+)$/.exec(call.path);
    if (call.method === 'GET' && product) {
      // The public catalogue read the cart makes (inventory's GET /api/products/:id).
      const id = Number(product[1]);
      const found = this.products.get(id);
      if (found === undefined) {
        sendJson(res, 404, { error: { code: 'not_found', message: 'Product not found' } });
        return;
      }
      sendJson(res, 200, { id, sku: `SKU-${id}`, currency: 'USD', ...found });
      return;
    }
    if (call.method === 'POST' && call.path === '/internal/reservations') {
      if (this.holdReservations) {
        this.held.push({ body: call.body as ReserveBody, res });
        return;
      }
      const response = this.reserve(call.body as ReserveBody);
      if (this.reserveDelayMs > 0) await wait(this.reserveDelayMs);
      sendJson(res, response.status, response.body);
      return;
    }
    const match = /^\/internal\/reservations\/([^/]+)(?:\/(release|commit))?$/.exec(call.path);
    const reservation = match ? this.reservations.get(match[1] ?? '') : undefined;
    if (!match || reservation === undefined) {
      sendJson(res, 404, { error: { code: 'not_found', message: 'Reservation not found' } });
      return;
    }
    if (match[2] === 'release') {
      if (reservation.status !== 'RELEASED') {
        for (const item of reservation.items) {
          const product = this.products.get(item.productId);
          if (product) product.stock += item.quantity;
        }
        reservation.status = 'RELEASED';
      }
      sendJson(res, 200, { orderId: reservation.orderId, status: 'RELEASED' });
      return;
    }
    if (match[2] === 'commit') {
      if (this.holdCommits) this.heldCommits.push({ reservation, res });
      else this.commit(reservation, res);
      return;
    }
    sendJson(res, 200, this.view(reservation));
  }

  private view(reservation: Reservation) {
    const totalCents = reservation.items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
    return {
      orderId: reservation.orderId,
      status: reservation.status,
      items: reservation.items,
      totalCents,
      currency: 'USD',
    };
  }

  private reserve(body: ReserveBody, at: Date = new Date()): { status: number; body: unknown } {
    const existing = this.reservations.get(body.orderId);
    if (existing) return { status: 200, body: this.view(existing) };
    if (body.deadline !== undefined && Date.parse(body.deadline) < at.getTime()) {
      return {
        status: 409,
        body: {
          error: {
            code: 'reservation_deadline_passed',
            message: 'The reservation arrived after its deadline and was not processed',
            details: { orderId: body.orderId, deadline: body.deadline },
          },
        },
      };
    }
    const unknown = body.items
      .filter((item) => !this.products.has(item.productId))
      .map((item) => item.productId);
    if (unknown.length > 0) {
      return {
        status: 422,
        body: {
          error: { code: 'unknown_product', message: 'Unknown product', details: { productIds: unknown } },
        },
      };
    }
    for (const item of body.items) {
      const available = this.stockOf(item.productId);
      if (available < item.quantity) {
        return {
          status: 409,
          body: {
            error: {
              code: 'out_of_stock',
              message: `Not enough stock for product ${item.productId}`,
              details: { productId: item.productId, requested: item.quantity, available },
            },
          },
        };
      }
    }
    const items = body.items.map((item) => {
      const product = this.products.get(item.productId) as Product;
      product.stock -= item.quantity;
      return {
        productId: item.productId,
        name: product.name,
        quantity: item.quantity,
        unitPriceCents: product.priceCents,
      };
    });
    const reservation: Reservation = { orderId: body.orderId, status: 'RESERVED', items };
    this.reservations.set(body.orderId, reservation);
    return { status: 201, body: this.view(reservation) };
  }
}

/** The moment a held request lands "in time": just before its deadline (now when it has none). */
function justBefore(deadline: string | undefined): Date {
  return deadline === undefined ? new Date() : new Date(Date.parse(deadline) - 1);
}
