import { DATA_SERVICES, type ServiceName } from '@shop/platform/contracts';
import { errorCode, type Reply } from './http.js';

/** What a request can depend on: a process of the platform, or the event transport between them. */
export type Component = ServiceName | 'event-bus';

const SERVICES: readonly Component[] = DATA_SERVICES;

/** The synchronous call chain behind a route (the gateway's route table plus the order saga's calls). */
const ROUTES: readonly { method: RegExp; path: RegExp; dependsOn: readonly Component[] }[] = [
  // The aggregate health asks every service, whose readiness includes its event transport.
  { method: /^(GET|HEAD)$/, path: /^\/health$/, dependsOn: [...SERVICES, 'event-bus'] },
  { method: /./, path: /^\/(health\/(live|ready)|metrics)$/, dependsOn: [] },
  { method: /./, path: /^\/(auth|api\/customers)(\/|$)/, dependsOn: ['customer-service'] },
  { method: /./, path: /^\/api\/products(\/|$)/, dependsOn: ['inventory-service'] },
  // Placing an order reserves stock and charges; cancelling releases stock and refunds.
  {
    method: /^POST$/,
    path: /^\/api\/orders(\/[^/]+\/cancel)?\/?$/,
    dependsOn: ['order-service', 'inventory-service', 'payment-service'],
  },
  { method: /./, path: /^\/api\/orders(\/|$)/, dependsOn: ['order-service'] },
  // Checking the cart out places an order; the cart's own reads and changes read the catalogue.
  {
    method: /^POST$/,
    path: /^\/api\/cart\/checkout\/?$/,
    dependsOn: ['order-service', 'inventory-service', 'payment-service'],
  },
  { method: /./, path: /^\/api\/cart(\/|$)/, dependsOn: ['order-service', 'inventory-service'] },
  { method: /./, path: /^\/api\/payments(\/|$)/, dependsOn: ['payment-service'] },
  { method: /./, path: /^\/api\/shipments(\/|$)/, dependsOn: ['shipping-service'] },
  { method: /./, path: /^\/api\/notifications(\/|$)/, dependsOn: ['notification-service'] },
];

const CHAOS = /^\/admin\/chaos\/([a-z]+?)(-service)?\/?$/;

/**
 * The components a request through the gateway depends on: the gateway itself, plus whatever its route
 * calls synchronously. A path the gateway does not route (404, `/internal/*`) depends on the gateway alone.
 */
export function dependenciesOf(method: string, url: string): readonly Component[] {
  const path = url.split('?')[0] ?? url;
  const chaos = CHAOS.exec(path);
  if (chaos) {
    const service = `${chaos[1] ?? ''}-service` as Component;
    return SERVICES.includes(service) ? ['api-gateway', service] : ['api-gateway'];
  }
  const route = ROUTES.find((entry) => entry.method.test(method) && entry.path.test(path));
  return ['api-gateway', ...(route?.dependsOn ?? [])];
}

/** One reply the suite received, tagged with what its request depended on. */
export interface ObservedReply {
  method: string;
  path: string;
  status: number;
  /** The JSON error code, or the network failure when there was no answer. */
  code: string | undefined;
  dependsOn: readonly Component[];
}

export function observed(
  method: string,
  path: string,
  reply: Pick<Reply, 'status' | 'body' | 'error'>,
  /** Set when the request went straight to a service, not through the gateway: it depends on that service. */
  service?: Component,
): ObservedReply {
  return {
    method,
    path,
    status: reply.status,
    code: reply.status === 0 ? reply.error : errorCode(reply as Reply),
    dependsOn: service ? [service] : dependenciesOf(method, path),
  };
}

/** The service a base URL belongs to, when it is one of `urls` other than the gateway's. */
export function serviceAt(
  baseUrl: string,
  urls: Readonly<Record<string, string>> | undefined,
): Component | undefined {
  const origin = (url: string) => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  };
  const found = Object.entries(urls ?? {}).find(
    ([name, url]) => name !== 'api-gateway' && origin(url) === origin(baseUrl),
  );
  return found && SERVICES.includes(found[0] as Component) ? (found[0] as Component) : undefined;
}

// No answer at all because the request waited too long: as much a failure to serve as a 5xx.
const TIMED_OUT = new Set(['TimeoutError', 'AbortError', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The suite's cascade invariant: a request that does not depend on any failing component gets no 5xx (and
 * does not time out). Returns one line per violation, e.g. "GET /api/orders -> 503 upstream_unavailable
 * (needs api-gateway, order-service; failing: payment-service)".
 */
export function failuresOutsideTheFault(
  replies: readonly ObservedReply[],
  failing: readonly Component[],
): string[] {
  return replies
    .filter((reply) => reply.status >= 500 || (reply.status === 0 && TIMED_OUT.has(reply.code ?? '')))
    .filter((reply) => !reply.dependsOn.some((component) => failing.includes(component)))
    .map(
      (reply) =>
        `${reply.method} ${reply.path} -> ${reply.status === 0 ? 'no answer' : reply.status} ${reply.code ?? ''}`.trimEnd() +
        ` (needs ${reply.dependsOn.join(', ')}; failing: ${failing.length ? failing.join(', ') : 'nothing'})`,
    );
}
