import { createHash } from 'node:crypto';
import type { RequestedLine } from './order.js';

/** A response as it was sent, so a replay is byte-for-byte the same status and body. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface IdempotencyRecord {
  customerId: string;
  key: string;
  requestHash: string;
  state: 'in_progress' | 'completed';
  orderId: string | null;
  response: StoredResponse | null;
}

export interface IdempotencyStore {
  find(customerId: string, key: string): IdempotencyRecord | undefined;
  begin(customerId: string, key: string, requestHash: string, at: string): void;
  attachOrder(customerId: string, key: string, orderId: string): void;
  complete(customerId: string, key: string, response: StoredResponse, at: string): void;
  remove(customerId: string, key: string): void;
  purgeCreatedBefore(at: string): number;
}

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'key_reused' }
  | { kind: 'in_progress' }
  /** The first request stopped before it answered (the process died): its order is what exists. */
  | { kind: 'interrupted'; orderId: string };

/** The request's identity for Idempotency-Key: the normalised command, so ignored fields do not count. */
export function requestHash(lines: RequestedLine[], paymentToken: string): string {
  const canonical = JSON.stringify({
    items: [...lines]
      .sort((a, b) => a.productId - b.productId)
      .map((line) => [line.productId, line.quantity]),
    token: paymentToken,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Idempotency-Key handling for POST /api/orders. A claim is a synchronous read-then-insert on SQLite, so two
 * requests with the same key can never both claim it; `running` holds the keys whose request is being worked
 * on in this process, which tells a concurrent duplicate (409) from a request interrupted by a crash.
 */
export function createIdempotency(store: IdempotencyStore) {
  const running = new Set<string>();
  const slot = (customerId: string, key: string) => `${customerId}\u0000${key}`;

  return {
    claim(customerId: string, key: string, hash: string, at: string): IdempotencyClaim {
      const existing = store.find(customerId, key);
      if (existing === undefined) {
        store.begin(customerId, key, hash, at);
        running.add(slot(customerId, key));
        return { kind: 'claimed' };
      }
      if (existing.requestHash !== hash) return { kind: 'key_reused' };
      if (existing.state === 'completed' && existing.response !== null) {
        return { kind: 'replay', response: existing.response };
      }
      if (running.has(slot(customerId, key))) return { kind: 'in_progress' };
      if (existing.orderId !== null) return { kind: 'interrupted', orderId: existing.orderId };
      // Interrupted before any order existed: nothing happened, so this request takes the key over.
      running.add(slot(customerId, key));
      return { kind: 'claimed' };
    },
    attachOrder(customerId: string, key: string, orderId: string): void {
      store.attachOrder(customerId, key, orderId);
    },
    // Both end the request's hold on the key even when the write fails (a locked file): a slot left in
    // `running` would answer 409 idempotency_in_progress to every retry for as long as the process lives. The
    // row then says what is true: linked to its order (a retry gets the order), or to none (a retry takes over).
    complete(customerId: string, key: string, response: StoredResponse, at: string): void {
      try {
        store.complete(customerId, key, response, at);
      } finally {
        running.delete(slot(customerId, key));
      }
    },
    /** The request failed before creating anything: forget the key so a retry starts afresh. */
    abandon(customerId: string, key: string): void {
      try {
        store.remove(customerId, key);
      } finally {
        running.delete(slot(customerId, key));
      }
    },
    purgeCreatedBefore(at: string): number {
      return store.purgeCreatedBefore(at);
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
