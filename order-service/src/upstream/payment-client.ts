import { z, type UpstreamClient } from '@shop/platform/runtime';
import type { PaymentPort } from '../domain/ports.js';
import { errorCode, errorMessage, unavailableFrom, unexpectedResponse } from './upstream-failure.js';

const paymentSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['CAPTURED', 'DECLINED', 'REFUNDED']),
});

/** PaymentPort over the internal HTTP contract (service.md: POST /internal/payments ...). */
export function createPaymentPort(client: UpstreamClient, authorization: () => string): PaymentPort {
  const headers = () => ({ authorization: authorization() });

  return {
    async charge(request) {
      let response;
      try {
        // Payment is idempotent on orderId, so the key makes the charge safe to retry after a lost answer.
        response = await client.request({
          method: 'POST',
          path: '/internal/payments',
          body: { ...request, deadline: request.deadline.toISOString() },
          idempotencyKey: request.orderId,
          headers: headers(),
        });
      } catch (error) {
        return unavailableFrom(error);
      }
      if (response.status === 200 || response.status === 201) {
        const parsed = paymentSchema.safeParse(response.body);
        if (parsed.success && parsed.data.status === 'CAPTURED')
          return { kind: 'captured', payment: parsed.data };
        return {
          kind: 'unavailable',
          outcome: 'unknown',
          retryAfterSeconds: undefined,
          detail: 'invalid payment',
        };
      }
      if (response.status === 402) {
        return { kind: 'declined', message: errorMessage(response.body, 'The payment was declined') };
      }
      return unexpectedResponse(client.name, response);
    },

    async findByOrder(orderId) {
      try {
        const response = await client.request({
          method: 'GET',
          path: `/internal/payments/by-order/${orderId}`,
          headers: headers(),
        });
        if (response.status === 404) return { kind: 'not_found' };
        if (response.status === 200) {
          const parsed = paymentSchema.safeParse(response.body);
          if (parsed.success) return { kind: 'found', payment: parsed.data };
        }
        return unexpectedResponse(client.name, response);
      } catch (error) {
        return unavailableFrom(error);
      }
    },

    async refund(orderId, reason) {
      try {
        const response = await client.request({
          method: 'POST',
          path: `/internal/payments/by-order/${orderId}/refund`,
          body: { reason },
          idempotencyKey: `refund:${orderId}`,
          headers: headers(),
        });
        if (response.status === 200) return { kind: 'refunded' };
        if (response.status === 404) return { kind: 'not_found' };
        if (response.status === 409 && errorCode(response.body) === 'payment_not_refundable') {
          return { kind: 'not_refundable' };
        }
        return unexpectedResponse(client.name, response);
      } catch (error) {
        return unavailableFrom(error);
      }
    },
  };
}
