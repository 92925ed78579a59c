// Reads the Prometheus text exposition format (what GET /metrics returns): the declared families
// (# TYPE lines) and the samples with their labels. Enough for tests to compare names and labels.

export type ExposedType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface ExposedSample {
  /** The series name, e.g. `http_request_duration_seconds_bucket`. */
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface Exposition {
  /** Family name → type, from the `# TYPE` lines (a family is declared even before its first sample). */
  families: ReadonlyMap<string, ExposedType>;
  samples: readonly ExposedSample[];
}

const exposedTypes = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const nameAtStart = /^[A-Za-z_:][A-Za-z0-9_:]*/;

function unescapeLabelValue(raw: string): string {
  return raw.replace(/\\(.)/g, (_whole, char: string) => (char === 'n' ? '\n' : char));
}

/** Reads `{a="x",b="y"}` starting at `start` (the `{`); returns the labels and the index after `}`. */
function readLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,?)/y;
  let index = start + 1;
  for (;;) {
    if (line.charAt(index) === '}') return { labels, end: index + 1 };
    pattern.lastIndex = index;
    const match = pattern.exec(line);
    if (match === null) throw new Error(`malformed labels at offset ${index}: ${line}`);
    labels[match[1] ?? ''] = unescapeLabelValue(match[2] ?? '');
    index = pattern.lastIndex;
    if (match[3] !== ',' && line.charAt(index) !== '}') {
      throw new Error(`malformed labels at offset ${index}: ${line}`);
    }
  }
}

function parseSample(line: string): ExposedSample {
  const name = nameAtStart.exec(line)?.[0];
  if (name === undefined) throw new Error(`sample without a metric name: ${line}`);
  let index = name.length;
  let labels: Record<string, string> = {};
  if (line.charAt(index) === '{') {
    const read = readLabels(line, index);
    labels = read.labels;
    index = read.end;
  }
  const [valueText] = line.slice(index).trim().split(/\s+/);
  const value = Number(valueText === '+Inf' ? 'Infinity' : valueText === '-Inf' ? '-Infinity' : valueText);
  if (valueText === undefined || valueText === '' || (Number.isNaN(value) && valueText !== 'NaN')) {
    throw new Error(`sample without a numeric value: ${line}`);
  }
  return { name, labels, value };
}

/** Parses a /metrics body; throws on a line that is neither a comment nor a well-formed sample. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, ExposedType>();
  const samples: ExposedSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const typeLine = /^#\s*TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (typeLine) {
        const [, family = '', type = ''] = typeLine;
        if (!exposedTypes.has(type)) throw new Error(`unknown metric type: ${line}`);
        families.set(family, type as ExposedType);
      }
      continue;
    }
    samples.push(parseSample(line));
  }
  return { families, samples };
}

const seriesSuffixes: Record<ExposedType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/**
 * Every series name an exposition offers to PromQL: each declared family with its type's suffixes
 * (a histogram `x` gives `x_bucket`, `x_sum`, `x_count`), plus the names of the samples themselves.
 */
export function exposedSeriesNames(exposition: Exposition): Set<string> {
  const names = new Set(exposition.samples.map((sample) => sample.name));
  for (const [family, type] of exposition.families) {
    for (const suffix of seriesSuffixes[type]) names.add(family + suffix);
  }
  return names;
}
