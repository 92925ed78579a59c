import { MAX_CANDIDATES, type RequestMatch } from './request-match.js';
import { TraceSourceError } from './source-error.js';
import { selectRequest, toTimelineEntry } from './timeline.js';

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
  match: RequestMatch;
  /** Lines of the request in Elasticsearch, which may exceed the entries when more than `size` matched. */
  total: number;
}

interface SearchResponse {
  hits?: { total?: number | { value?: number }; hits?: Array<{ _source?: unknown }> };
  aggregations?: { ids?: { buckets?: Array<{ key?: unknown }>; sum_other_doc_count?: number } };
  error?: { reason?: string; type?: string } | string;
}

function describeError(body: SearchResponse | undefined, status: number): string {
  const error = body?.error;
  if (typeof error === 'string') return `${status} ${error}`;
  return `${status} ${error?.type ?? ''} ${error?.reason ?? ''}`.trim();
}

type Search = (query: Record<string, unknown>) => Promise<SearchResponse>;

/** POSTs searches to `<url>/<index>/_search`; `http://user:password@host:9200` is sent as basic auth. */
function searcher(options: ElasticsearchSearchOptions): Search {
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

  return async (query) => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(query),
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
    return body;
  };
}

async function linesOf(
  search: Search,
  correlationId: string,
  size: number,
): Promise<ElasticsearchSearchResult> {
  const body = await search({
    size,
    query: { term: { correlationId } },
    sort: [{ '@timestamp': { order: 'asc' } }],
  });
  const hits = body.hits?.hits ?? [];
  const entries = hits.map((hit) => toTimelineEntry(hit._source)).filter((entry) => entry !== undefined);
  const total = body.hits?.total;
  const selected = selectRequest(entries, correlationId);
  return {
    match: selected.length > 0 ? { kind: 'found', correlationId, entries: selected } : { kind: 'none' },
    total: typeof total === 'number' ? total : (total?.value ?? hits.length),
  };
}

/**
 * The lines of one request from Elasticsearch: a term query on correlationId, sorted by @timestamp. When
 * no line has that exact ID, it is taken as the start of one: a prefix query lists the IDs it matches, and
 * a single one is fetched.
 */
export async function searchRequestInElasticsearch(
  options: ElasticsearchSearchOptions,
): Promise<ElasticsearchSearchResult> {
  const search = searcher(options);
  const size = options.size ?? 1000;
  const exact = await linesOf(search, options.correlationId, size);
  if (exact.match.kind === 'found') return exact;

  const prefixed = await search({
    size: 0,
    query: { prefix: { correlationId: options.correlationId } },
    aggs: { ids: { terms: { field: 'correlationId', size: MAX_CANDIDATES + 1 } } },
  });
  const ids = (prefixed.aggregations?.ids?.buckets ?? [])
    .map((bucket) => bucket.key)
    .filter((key): key is string => typeof key === 'string')
    .sort();
  const [only] = ids;
  if (only === undefined) return { match: { kind: 'none' }, total: 0 };
  const more = ids.length > MAX_CANDIDATES || (prefixed.aggregations?.ids?.sum_other_doc_count ?? 0) > 0;
  if (ids.length > 1 || more) {
    return { match: { kind: 'ambiguous', candidates: ids.slice(0, MAX_CANDIDATES), more }, total: 0 };
  }
  return linesOf(search, only, size);
}
