import { request } from 'undici';
import type { Logger } from '../logging/logger.js';
import { gauge, type Registry } from '../metrics/registry.js';
import type { RevocationEntry, RevocationList } from './revocations.js';
import type { TokenService } from './tokens.js';

/** One page of the revocation feed: entries after a cursor, and the cursor to ask from next. */
export interface RevocationPage {
  entries: RevocationEntry[];
  next: number;
}

/** Reads the feed after `cursor` (0: from the start, i.e. every revocation still in force). */
export type RevocationSource = (cursor: number) => Promise<RevocationPage>;

export interface RevocationFeedOptions {
  source: RevocationSource;
  list: RevocationList;
  logger: Logger;
  registry?: Registry | undefined;
  /** Pause between polls (at least 1000 ms: the feed is asked at most once a second). */
  intervalMs?: number | undefined;
}

export interface RevocationFeed {
  /** Resolves after the first poll (successful or not), so a fresh process starts with what is revoked. */
  ready: Promise<void>;
  stop(): void;
}

const MIN_INTERVAL_MS = 1_000;
const WARN_INTERVAL_MS = 30_000;

/**
 * Keeps `list` up to date from the revocation feed in the background: one poll at a time, at most once a
 * second, following the cursor; several pages in a row when the feed has more. Requests never wait for it.
 * While the feed cannot be read the list keeps what it had (tokens still expire on their own), a warning is
 * logged at most every 30 s, and `revocation_feed_last_success_timestamp_seconds` stops moving.
 */
export function startRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const { source, list, logger } = options;
  const intervalMs = Math.max(MIN_INTERVAL_MS, options.intervalMs ?? MIN_INTERVAL_MS);
  const { registry } = options;
  const gauges = registry && {
    lastSuccess: gauge(registry, {
      name: 'revocation_feed_last_success_timestamp_seconds',
      help: 'When the revocation feed was last read successfully (unix seconds)',
    }),
    known: gauge(registry, {
      name: 'revocations_in_memory',
      help: 'Subjects with a revocation in force, held in memory',
    }),
  };
  let cursor = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastWarnAt = 0;

  async function pollOnce(): Promise<void> {
    try {
      for (let pages = 0; pages < 10; pages++) {
        const page = await source(cursor);
        for (const entry of page.entries) list.add(entry);
        const more = page.next > cursor && page.entries.length > 0;
        cursor = Math.max(cursor, page.next);
        if (!more) break;
      }
      list.sweep();
      gauges?.lastSuccess.set(Date.now() / 1000);
      gauges?.known.set(list.size);
    } catch (error) {
      const now = Date.now();
      if (now - lastWarnAt >= WARN_INTERVAL_MS) {
        lastWarnAt = now;
        logger.warn('revocation feed unreadable: revocations since the last poll are not known yet', {
          err: error,
        });
      }
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void pollOnce().then(schedule);
    }, intervalMs);
    timer.unref();
  }

  const ready = pollOnce().then(schedule);
  return {
    ready,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * The feed over HTTP: `GET <url>?after=<cursor>` with a service token (the feed answers role `service`
 * only), a 2 s deadline per poll.
 */
function httpRevocationSource(url: string, tokens: TokenService, serviceName: string): RevocationSource {
  let token = '';
  let tokenRenewAtMs = 0;
  return async (cursor) => {
    const now = Date.now();
    if (now >= tokenRenewAtMs) {
      token = tokens.signServiceToken(serviceName);
      tokenRenewAtMs = now + 60_000;
    }
    const separator = url.includes('?') ? '&' : '?';
    const response = await request(`${url}${separator}after=${cursor}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(2_000),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`revocation feed answered ${response.statusCode}`);
    return parsePage(text);
  };
}

function parsePage(text: string): RevocationPage {
  const value = JSON.parse(text) as { entries?: unknown; next?: unknown };
  if (!Array.isArray(value.entries) || typeof value.next !== 'number') {
    throw new Error('revocation feed answered an unexpected body');
  }
  const entries: RevocationEntry[] = [];
  for (const item of value.entries as Record<string, unknown>[]) {
    if (
      typeof item.customerId === 'string' &&
      typeof item.revokedAtMs === 'number' &&
      typeof item.expiresAtMs === 'number'
    ) {
      entries.push({
        customerId: item.customerId,
        revokedAtMs: item.revokedAtMs,
        expiresAtMs: item.expiresAtMs,
      });
    }
  }
  return { entries, next: value.next };
}

/**
 * The feed a service's configuration asks for (REVOCATION_FEED_URL, by default
 * `<CUSTOMER_SERVICE_URL>/internal/revocations`, polled every REVOCATION_POLL_MS into `tokens.revocations`),
 * or undefined when REVOCATION_FEED_URL is empty (customer-service itself, tests).
 */
export function startConfiguredRevocationFeed(options: {
  name: string;
  config: {
    CUSTOMER_SERVICE_URL?: string | undefined;
    REVOCATION_FEED_URL?: string | undefined;
    REVOCATION_POLL_MS?: number | undefined;
  };
  tokens: TokenService;
  logger: Logger;
  registry: Registry;
}): RevocationFeed | undefined {
  const base = (options.config.CUSTOMER_SERVICE_URL ?? 'http://127.0.0.1:5001').replace(/\/+$/, '');
  const url = options.config.REVOCATION_FEED_URL ?? `${base}/internal/revocations`;
  if (url === '') return undefined;
  return startRevocationFeed({
    source: httpRevocationSource(url, options.tokens, options.name),
    list: options.tokens.revocations,
    logger: options.logger,
    registry: options.registry,
    intervalMs: options.config.REVOCATION_POLL_MS,
  });
}
