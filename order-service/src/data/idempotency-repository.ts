import type { Db } from '@shop/platform/runtime';
import type { IdempotencyRecord, IdempotencyStore, StoredResponse } from '../domain/idempotency.js';

interface KeyRow {
  customer_id: string;
  idempotency_key: string;
  request_hash: string;
  state: 'in_progress' | 'completed';
  order_id: string | null;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
}

function toRecord(row: KeyRow): IdempotencyRecord {
  const response: StoredResponse | null =
    row.response_status === null
      ? null
      : {
          status: row.response_status,
          headers: JSON.parse(row.response_headers ?? '{}') as Record<string, string>,
          body: row.response_body === null ? undefined : (JSON.parse(row.response_body) as unknown),
        };
  return {
    customerId: row.customer_id,
    key: row.idempotency_key,
    requestHash: row.request_hash,
    state: row.state,
    orderId: row.order_id,
    response,
  };
}

export function createIdempotencyRepository(db: Db): IdempotencyStore {
  const statements = {
    find: db.prepare<[string, string], KeyRow>(
      'SELECT * FROM idempotency_keys WHERE customer_id = ? AND idempotency_key = ?',
    ),
    begin: db.prepare(
      `INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash, state, created_at)
       VALUES (?, ?, ?, 'in_progress', ?)`,
    ),
    attachOrder: db.prepare(
      'UPDATE idempotency_keys SET order_id = ? WHERE customer_id = ? AND idempotency_key = ?',
    ),
    complete: db.prepare(
      `UPDATE idempotency_keys SET state = 'completed', response_status = ?, response_headers = ?, response_body = ?,
         completed_at = ? WHERE customer_id = ? AND idempotency_key = ?`,
    ),
    remove: db.prepare('DELETE FROM idempotency_keys WHERE customer_id = ? AND idempotency_key = ?'),
    purge: db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?'),
  };

  return {
    find(customerId, key) {
      const row = statements.find.get(customerId, key);
      return row === undefined ? undefined : toRecord(row);
    },
    begin(customerId, key, requestHash, at) {
      statements.begin.run(customerId, key, requestHash, at);
    },
    attachOrder(customerId, key, orderId) {
      statements.attachOrder.run(orderId, customerId, key);
    },
    complete(customerId, key, response, at) {
      statements.complete.run(
        response.status,
        JSON.stringify(response.headers),
        response.body === undefined ? null : JSON.stringify(response.body),
        at,
        customerId,
        key,
      );
    },
    remove(customerId, key) {
      statements.remove.run(customerId, key);
    },
    purgeCreatedBefore(at) {
      return statements.purge.run(at).changes;
    },
  };
}
