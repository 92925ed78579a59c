import { randomUUID } from 'node:crypto';
import { enableContractChecks, request, type JsonResponse } from '@shop/platform/tools/testing';

// Every answer the end-to-end tests get through the real gateway is checked against the OpenAPI document.
enableContractChecks();

export interface ApiError {
  error: { code: string; message: string; correlationId: string; details?: Record<string, unknown> };
}

/** A reply whose body is the resource on success and `{error}` otherwise: tests check the status first. */
export type Reply<T> = JsonResponse<T & Partial<ApiError>>;

export interface Page<T> {
  data: T[];
  pagination: { page: number; limit: number; total: number };
}

export interface Product {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  stock: number;
}

export interface OrderLine {
  productId: number;
  name: string | null;
  quantity: number;
  unitPriceCents: number | null;
  lineTotalCents: number | null;
}

export interface Order {
  id: string;
  customerId: string;
  status: 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
  cancelReason?: string;
  items: OrderLine[];
  totalCents: number | null;
  currency: string;
  paymentId?: string;
  shipmentId?: string;
  trackingNumber?: string;
}

export interface Payment {
  id: string;
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: string;
  status: 'CAPTURED' | 'DECLINED' | 'REFUNDED';
  createdAt: string;
  refundedAt?: string;
  refundReason?: string;
}

export interface Shipment {
  id: string;
  orderId: string;
  customerId: string;
  carrier: string;
  trackingNumber: string;
  status: 'SCHEDULED' | 'IN_TRANSIT' | 'DELIVERED' | 'CANCELLED';
  correlationId: string;
}

export interface Notification {
  id: string;
  customerId: string;
  channel: string;
  subject: string;
  status: string;
  eventId: string;
  eventType: string;
  correlationId: string;
}

export interface Fault {
  latencyMs?: number;
  errorRate?: number;
  durationMs?: number;
}

export type OrderHeaders = Record<string, string>;

/**
 * The public API of the platform as a client sees it: every call goes through the gateway with a bearer
 * token, so routing, authentication, CASL and correlation IDs are part of what the e2e tests exercise.
 */
export function shopApi(gatewayUrl: string) {
  const call = <T>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> => request<T & Partial<ApiError>>(gatewayUrl, method, path, options);

  return {
    call,

    /** Creates a product with a unique sku and name (an admin token is required). */
    async createProduct(
      adminToken: string,
      fields: { stock: number; priceCents?: number },
    ): Promise<Product> {
      const unique = randomUUID().slice(0, 8);
      const reply = await call<Product>('POST', '/api/products', {
        token: adminToken,
        body: {
          sku: `E2E-${unique}`,
          name: `E2E product ${unique}`,
          description: 'created by the e2e tests',
          priceCents: fields.priceCents ?? 1999,
          stock: fields.stock,
        },
      });
      if (reply.status !== 201) {
        throw new Error(`creating a product failed: ${reply.status} ${JSON.stringify(reply.body)}`);
      }
      return reply.body;
    },

    async stockOf(productId: number): Promise<number> {
      const reply = await call<Product>('GET', `/api/products/${productId}`);
      if (reply.status !== 200) throw new Error(`GET product ${productId}: ${reply.status}`);
      return reply.body.stock;
    },

    setStock: (adminToken: string, productId: number, stock: number) =>
      call<Product>('PATCH', `/api/products/${productId}/stock`, { token: adminToken, body: { stock } }),

    placeOrder: (token: string, body: unknown, headers: OrderHeaders = {}) =>
      call<Order>('POST', '/api/orders', { token, body, headers }),

    order: (token: string, orderId: string) => call<Order>('GET', `/api/orders/${orderId}`, { token }),

    orders: (token: string) => call<Page<Order>>('GET', '/api/orders', { token }),

    cancel: (token: string, orderId: string) =>
      call<Order>('POST', `/api/orders/${orderId}/cancel`, { token }),

    payments: (token: string, orderId: string) =>
      call<Page<Payment>>('GET', `/api/payments?orderId=${orderId}`, { token }),

    shipments: (token: string, orderId: string) =>
      call<Page<Shipment>>('GET', `/api/shipments?orderId=${orderId}`, { token }),

    advanceShipment: (adminToken: string, shipmentId: string, status: 'IN_TRANSIT' | 'DELIVERED') =>
      call<Shipment>('PATCH', `/api/shipments/${shipmentId}`, { token: adminToken, body: { status } }),

    notifications: (token: string, query: { eventType?: string; customerId?: string } = {}) => {
      const search = new URLSearchParams({ limit: '100', ...query });
      return call<Page<Notification>>('GET', `/api/notifications?${search.toString()}`, { token });
    },

    injectFault: (adminToken: string, service: string, fault: Fault) =>
      call<{ active: unknown }>('POST', `/admin/chaos/${service}`, { token: adminToken, body: fault }),

    healFault: (adminToken: string, service: string) =>
      call<unknown>('DELETE', `/admin/chaos/${service}`, { token: adminToken }),
  };
}

export type ShopApi = ReturnType<typeof shopApi>;
