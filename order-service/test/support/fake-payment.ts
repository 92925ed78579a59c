import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FakeHttpService, sendJson, wait, type RecordedCall } from './fake-http.js';

export interface FakePaymentRecord {
  id: string;
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: string;
  status: 'CAPTURED' | 'DECLINED' | 'REFUNDED';
  createdAt: string;
  /** The reason order-service gave for the refund. */
  refundReason?: string;
}

/**
 * How the fake answers a charge: `normal`; `slow_capture` captures, then answers only after `delayMs` (the
 * answer is lost to a shorter timeout); `slow_no_charge` never charges and answers late; `error_500` answers
 * 500 without charging; `held` keeps the request unprocessed until `landHeld()` (a charge stuck on its way,
 * like one behind the chaos latency of the reproduction).
 */
export type ChargeMode = 'normal' | 'slow_capture' | 'slow_no_charge' | 'error_500' | 'held';

interface ChargeBody {
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: string;
  token?: string;
  deadline?: string;
}

/** The internal payment contract (service.md), in memory, with switches to play failures. */
export class FakePayment extends FakeHttpService {
  readonly payments = new Map<string, FakePaymentRecord>();
  chargeMode: ChargeMode = 'normal';
  delayMs = 1500;
  /** Answer 500 to GET by-order (payment reachable but broken). */
  lookupFails = false;
  /** Awaited before a refund is answered (e.g. to lock order-service's database while it waits). */
  beforeRefund: (() => Promise<void>) | undefined;
  /** Charges received in `held` mode, not yet processed. */
  private readonly held: { body: ChargeBody; res: ServerResponse }[] = [];

  constructor() {
    super((call, res) => this.answer(call, res));
  }

  captured(): FakePaymentRecord[] {
    return [...this.payments.values()].filter((payment) => payment.status === 'CAPTURED');
  }

  /** Stores a payment as if a charge had reached payment late (for reconciliation tests). */
  capture(orderId: string, amountCents: number): FakePaymentRecord {
    const record: FakePaymentRecord = {
      id: randomUUID(),
      orderId,
      customerId: 'unknown',
      amountCents,
      currency: 'USD',
      status: 'CAPTURED',
      createdAt: new Date().toISOString(),
    };
    this.payments.set(orderId, record);
    return record;
  }

  /** How many charges are held. */
  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Processes the held charges as if they reached payment-service at `at` (default: just before each one's
   * deadline), refusing those whose deadline has passed by then, as payment-service does. Their answers go
   * to callers long gone.
   */
  landHeld(at: Date | 'in_time' = 'in_time'): { status: number; body: unknown }[] {
    const landed = this.held.splice(0).map(({ body, res }) => {
      const result = this.charge(body, at === 'in_time' ? justBefore(body.deadline) : at);
      sendJson(res, result.status, result.body);
      return result;
    });
    return landed;
  }

  private charge(body: ChargeBody, at: Date = new Date()) {
    const existing = this.payments.get(body.orderId);
    if (existing === undefined && body.deadline !== undefined && Date.parse(body.deadline) < at.getTime()) {
      return {
        status: 409,
        body: {
          error: {
            code: 'charge_deadline_passed',
            message: 'The charge arrived after its deadline and was not processed',
            details: { orderId: body.orderId, deadline: body.deadline },
          },
        },
      };
    }
    const record =
      existing ??
      ({
        id: randomUUID(),
        orderId: body.orderId,
        customerId: body.customerId,
        amountCents: body.amountCents,
        currency: body.currency,
        status: body.token === 'tok_chargeDeclined' ? 'DECLINED' : 'CAPTURED',
        createdAt: at.toISOString(),
      } satisfies FakePaymentRecord);
    this.payments.set(body.orderId, record);
    if (record.status === 'DECLINED') {
      return {
        status: 402,
        body: { error: { code: 'payment_declined', message: 'Your card was declined' } },
      };
    }
    return { status: existing ? 200 : 201, body: record };
  }

  private async answer(call: RecordedCall, res: ServerResponse): Promise<void> {
    if (call.method === 'POST' && call.path === '/internal/payments') {
      const body = call.body as ChargeBody;
      switch (this.chargeMode) {
        case 'held':
          this.held.push({ body, res });
          return;
        case 'error_500':
          sendJson(res, 500, { error: { code: 'internal_error', message: 'Internal server error' } });
          return;
        case 'slow_no_charge':
          await wait(this.delayMs);
          sendJson(res, 503, { error: { code: 'unavailable', message: 'gave up' } });
          return;
        case 'slow_capture': {
          const result = this.charge(body);
          await wait(this.delayMs);
          sendJson(res, result.status, result.body);
          return;
        }
        case 'normal': {
          const result = this.charge(body);
          sendJson(res, result.status, result.body);
          return;
        }
      }
    }
    const match = /^\/internal\/payments\/by-order\/([^/]+)(\/refund)?$/.exec(call.path);
    const payment = match ? this.payments.get(match[1] ?? '') : undefined;
    if (call.method === 'GET' && match && this.lookupFails) {
      sendJson(res, 500, { error: { code: 'internal_error', message: 'Internal server error' } });
      return;
    }
    if (!match || payment === undefined) {
      sendJson(res, 404, { error: { code: 'not_found', message: 'Payment not found' } });
      return;
    }
    if (match[2] === '/refund') {
      if (payment.status === 'DECLINED') {
        sendJson(res, 409, {
          error: { code: 'payment_not_refundable', message: 'Declined payments cannot be refunded' },
        });
        return;
      }
      if (payment.status === 'CAPTURED') {
        payment.status = 'REFUNDED';
        payment.refundReason = (call.body as { reason?: string } | undefined)?.reason;
      }
      await this.beforeRefund?.();
    }
    sendJson(res, 200, payment);
  }
}

/** The moment a held request lands "in time": just before its deadline (now when it has none). */
function justBefore(deadline: string | undefined): Date {
  return deadline === undefined ? new Date() : new Date(Date.parse(deadline) - 1);
}
