import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { holdWriteLock } from '@shop/platform/tools/testing';
import { adminToken } from '../../accounts.js';
import { eventuallyInvariants } from '../../invariants.js';
import { makeReadOnly } from '../../read-only-file.js';
import { errorCode, send, type Reply } from '../http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { createProduct, missingServices, waitFor } from '../target.js';

const NEEDED = ['api-gateway', 'customer-service', 'inventory-service'];
const SERVICE = 'inventory-service';
/** Longer than inventory-service's DB_LOCK_WAIT_MS (2 s by default): some writes must give up. */
const LOCK_MS = 4_000;
/** Far above a free event loop's answer, far below the 4.7 s seen when lock waits blocked it. */
const LIVENESS_BOUND_MS = 1_000;

interface Readiness {
  status: string;
  checks?: { db?: { ok: boolean; detail?: string } };
}

/**
 * Another process holds the write lock of inventory-service's SQLite file for a few seconds (an operator's
 * sqlite3, a stuck backup). The service must not freeze: liveness answers promptly, reads are served, writes
 * wait without blocking and answer 503 database_busy with Retry-After when the lock outlasts the wait,
 * readiness says the database cannot be written, and all recovers. Then the file is made read-only and the
 * service restarted: readiness must fail (a real write probe, not SELECT 1) and writes answer 503
 * database_unavailable, not 500.
 */
export const lockedDatabase: Scenario = {
  name: 'locked-database',
  title: 'inventory-service database locked by another process, then read-only',
  timeoutMs: 150_000,
  // Its writes fail (503 database_busy / database_unavailable); its reads must not.
  failing: ['inventory-service'],
  skipReason(target) {
    if (!target.platform)
      return 'needs the database files (the suite must start the platform; GATEWAY_URL is set)';
    return missingServices(target, NEEDED);
  },
  async run({ target, checks, figures, progress }) {
    const platform = target.platform;
    if (!platform) return undefined;
    const token = await adminToken(target);
    const product = await createProduct(target, 50);
    const direct = platform.urls[SERVICE] ?? '';
    const file = platform.databaseFile(SERVICE);
    const traffic = new Tally();
    // A new product: a write that leaves the stock the invariants conserve untouched.
    const restock = (): Promise<Reply> =>
      send(target.gatewayUrl, 'POST', '/api/products', {
        token,
        body: {
          sku: `LOCK-${randomUUID().slice(0, 8)}`,
          name: 'Locked database',
          description: 'resilience suite',
          priceCents: 100,
          stock: 1,
        },
        timeoutMs: 15_000,
      });

    progress(`another process holds the write lock of ${SERVICE}'s database for ${LOCK_MS / 1000} s`);
    const held = await holdWriteLock(file);
    const lockedAt = Date.now();
    const liveness: number[] = [];
    const reads: Reply[] = [];
    let readiness: Readiness | undefined;
    const writes: Promise<Reply>[] = [];
    try {
      writes.push(restock());
      while (Date.now() - lockedAt < LOCK_MS) {
        const started = Date.now();
        const live = await send(direct, 'GET', '/health/live', { timeoutMs: 10_000 });
        liveness.push(live.status === 200 ? Date.now() - started : Number.POSITIVE_INFINITY);
        reads.push(await send(target.gatewayUrl, 'GET', `/api/products/${product.id}`));
        const ready = await send(direct, 'GET', '/health/ready');
        if (ready.status === 503) readiness = ready.body as Readiness;
        if (writes.length < 3 && Date.now() - lockedAt > writes.length * 1_000) writes.push(restock());
        await sleep(100);
      }
    } finally {
      await held.release();
    }
    const written = await Promise.all(writes);
    for (const reply of [...reads, ...written]) traffic.add(reply);
    figures.livenessMaxMs = Math.max(...liveness);
    figures.writes = written.map((reply) => `${reply.status} ${errorCode(reply) ?? ''}`.trim());

    checks.check(
      `liveness answers promptly during the lock (every answer < ${LIVENESS_BOUND_MS} ms)`,
      liveness.length > 0 && liveness.every((ms) => ms < LIVENESS_BOUND_MS),
      `${liveness.length} probes, slowest ${Math.max(...liveness)} ms`,
    );
    checks.none(
      'reads are served during the lock (200)',
      reads
        .filter((reply) => reply.status !== 200)
        .map((reply) => `${reply.status} ${errorCode(reply) ?? ''}`),
    );
    checks.none(
      'writes during the lock succeed or answer 503 database_busy with Retry-After, never 500',
      written
        .filter(
          (reply) =>
            reply.status !== 201 &&
            !(reply.status === 503 && errorCode(reply) === 'database_busy' && reply.headers['retry-after']),
        )
        .map((reply) => `${reply.status} ${errorCode(reply) ?? reply.error ?? ''}`),
    );
    checks.check(
      'a write that outlasts the lock wait answers 503 database_busy',
      written.some((reply) => reply.status === 503 && errorCode(reply) === 'database_busy'),
      String(figures.writes),
    );
    checks.check(
      'readiness says the database cannot be written during the lock',
      readiness?.checks?.db?.ok === false,
      readiness?.checks?.db?.detail ?? 'never not ready',
    );

    const recovered = await waitFor(15_000, async () => {
      const reply = await restock();
      return reply.status === 201 ? reply : undefined;
    });
    checks.check('writes succeed again after the release', recovered.value !== undefined);
    const ready = await waitFor(15_000, async () =>
      (await send(direct, 'GET', '/health/ready')).status === 200 ? true : undefined,
    );
    checks.check('readiness recovers after the release', ready.value === true);
    checks.none('saga invariants hold', await eventuallyInvariants(platform, { timeoutMs: 20_000 }));

    progress(`${SERVICE}'s database file made read-only, service restarted`);
    const readOnly = await makeReadOnly(file);
    if (!readOnly) {
      figures.readOnly = 'skipped: neither chmod (as root) nor a read-only bind mount is possible here';
      return traffic.summary();
    }
    figures.readOnly = readOnly.how;
    try {
      await platform.stop(SERVICE);
      // Not waiting for readiness: it must stay 503.
      const started = platform.start(SERVICE).catch(() => undefined);
      const notReady = await waitFor(30_000, async () => {
        const reply = await send(direct, 'GET', '/health/ready');
        return reply.status === 503 ? (reply.body as Readiness) : undefined;
      });
      checks.check(
        'on a read-only database, readiness fails with the reason (a write probe, not SELECT 1)',
        notReady.value?.checks?.db?.ok === false && /readonly/.test(notReady.value.checks.db.detail ?? ''),
        notReady.value?.checks?.db?.detail ?? 'stayed ready',
      );
      const read = await send(target.gatewayUrl, 'GET', `/api/products/${product.id}`);
      const write = await restock();
      traffic.add(read);
      traffic.add(write);
      checks.check('reads are still served (200)', read.status === 200, String(read.status));
      checks.check(
        'writes answer 503 database_unavailable, not 500',
        write.status === 503 && errorCode(write) === 'database_unavailable',
        `${write.status} ${errorCode(write) ?? ''}`,
      );
      await platform.stop(SERVICE);
      await started;
    } finally {
      await readOnly.restore();
    }
    await platform.start(SERVICE);
    checks.none(
      'saga invariants hold after the restore',
      await eventuallyInvariants(platform, { timeoutMs: 20_000 }),
    );
    return traffic.summary();
  },
};
