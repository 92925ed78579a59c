import { TraceSourceError } from './source-error.js';
import { selectRequest, toTimelineEntry, type TimelineEntry } from './timeline.js';

export interface ElasticsearchSearchOptions {
  /** Base URL; `http://user:password@host:9200` is sent as basic auth. */
  url: string;
  correlationId: string;
  /** Default `ecommerce-logs-*`. */
  index?: string;
  /** Default 1000, the most lines one request is expected to log. */
  size?: number;
  timeoutMs?: number;
}

export interface ElasticsearchSearchResult {
  entries: TimelineEntry[];
  /** Matching lines in Elasticsearch, which may exceed `entries.length` when more than `size` matched. */
  total: number;
}

interface SearchResponse {
  hits?: { total?: number | { value?: number }; hits?: Array<{ _source?: unknown }> };
  error?: { reason?: string; type?: string } | string;
}

function describeError(body: SearchResponse | undefined, status: number): string {
  const error = body?.error;
  if (typeof error === 'string') return `${status} ${error}`;
  return `${status} ${error?.type ?? ''} ${error?.reason ?? ''}`.trim();
}

/** The lines of one request from Elasticsearch: a term query on correlationId, sorted by @timestamp. */
export async function searchRequestInElasticsearch(
  options: ElasticsearchSearchOptions,
): Promise<ElasticsearchSearchResult> {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new TraceSourceError(`the Elasticsearch URL is not a URL: ${options.url}`);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (base.username || base.password) {
    const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  const index = options.index ?? 'ecommerce-logs-*';
  const endpoint = new URL(`${base.pathname.replace(/\/$/, '')}/${index}/_search`, base);
  endpoint.searchParams.set('ignore_unavailable', 'true');
  const where = `Elasticsearch at ${base.origin}`;

  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        size: options.size ?? 1000,
        query: { term: { correlationId: options.correlationId } },
        sort: [{ '@timestamp': { order: 'asc' } }],
      }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new TraceSourceError(`cannot reach ${where}: ${cause}`);
  }
  let body: SearchResponse | undefined;
  try {
    body = (await response.json()) as SearchResponse;
  } catch {
    body = undefined;
  }
  if (!response.ok || body === undefined) {
    throw new TraceSourceError(`${where} rejected the search: ${describeError(body, response.status)}`);
  }
  const hits = body.hits?.hits ?? [];
  const entries = hits.map((hit) => toTimelineEntry(hit._source)).filter((entry) => entry !== undefined);
  const total = body.hits?.total;
  return {
    entries: selectRequest(entries, options.correlationId),
    total: typeof total === 'number' ? total : (total?.value ?? hits.length),
  };
}
