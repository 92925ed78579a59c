import type { TimelineEntry } from './timeline.js';

/** The most requests an ambiguous prefix lists (and keeps lines of while reading). */
export const MAX_CANDIDATES = 10;

/** What a correlation ID, or the start of one, matched. */
export type RequestMatch =
  | { kind: 'found'; correlationId: string; entries: TimelineEntry[] }
  | { kind: 'none' }
  /** `candidates` holds at most 10 IDs, sorted; `more` says whether there were others. */
  | { kind: 'ambiguous'; candidates: string[]; more: boolean };

function oldestFirst(entries: TimelineEntry[]): TimelineEntry[] {
  // Array.prototype.sort is stable: lines logged in the same millisecond keep their order.
  return entries.sort((a, b) => a.epochMs - b.epochMs);
}

/**
 * Collects the lines of one request given its correlation ID or a unique prefix of it (the launcher's
 * console used to show 8 characters). An ID that matches exactly wins over longer ones that start with it.
 */
export class RequestMatcher {
  private readonly exact: TimelineEntry[] = [];
  private readonly byPrefix = new Map<string, TimelineEntry[]>();
  private more = false;

  constructor(readonly idOrPrefix: string) {}

  /** Whether `text` may hold a matching line: a cheap test before parsing it. */
  mayMatch(text: string): boolean {
    return text.includes(this.idOrPrefix);
  }

  add(entry: TimelineEntry): void {
    const id = entry.correlationId;
    if (id === undefined) return;
    if (id === this.idOrPrefix) {
      this.exact.push(entry);
      return;
    }
    if (!id.startsWith(this.idOrPrefix)) return;
    const lines = this.byPrefix.get(id);
    if (lines) lines.push(entry);
    else if (this.byPrefix.size < MAX_CANDIDATES) this.byPrefix.set(id, [entry]);
    else this.more = true;
  }

  result(): RequestMatch {
    if (this.exact.length > 0) {
      return { kind: 'found', correlationId: this.idOrPrefix, entries: oldestFirst([...this.exact]) };
    }
    const ids = [...this.byPrefix.keys()].sort();
    const [only] = ids;
    if (only === undefined) return { kind: 'none' };
    if (ids.length === 1 && !this.more) {
      return {
        kind: 'found',
        correlationId: only,
        entries: oldestFirst([...(this.byPrefix.get(only) ?? [])]),
      };
    }
    return { kind: 'ambiguous', candidates: ids, more: this.more };
  }
}
