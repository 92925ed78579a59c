// A small PromQL scanner: enough to list the metric names an expression reads. promtool checks
// the syntax; this only has to tell metric names from functions, keywords and label names.

const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);
const groupingKeywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const identifierStart = /[A-Za-z_:]/;
const identifierPart = /[A-Za-z0-9_:]/;

function skipQuoted(expr: string, start: number): number {
  const quote = expr[start];
  let index = start + 1;
  while (index < expr.length && expr[index] !== quote) index += expr[index] === '\\' ? 2 : 1;
  return index + 1;
}

function skipBalanced(expr: string, start: number, open: string, close: string): number {
  let depth = 0;
  for (let index = start; index < expr.length; index += 1) {
    const char = expr.charAt(index);
    if (char === '"' || char === "'" || char === '`') {
      index = skipQuoted(expr, index) - 1;
    } else if (char === open) {
      depth += 1;
    } else if (char === close) {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  throw new Error(`unbalanced '${open}' in PromQL: ${expr}`);
}

function nextNonSpace(expr: string, start: number): number {
  let index = start;
  while (index < expr.length && /\s/.test(expr.charAt(index))) index += 1;
  return index;
}

/** True when `sum by (...) (...)` style: the word at `index` is `by`/`without` (the operator's modifier). */
function isAggregationModifier(expr: string, index: number): boolean {
  return /^(by|without)\s*\(/i.test(expr.slice(index, index + 16));
}

/** The distinct metric names an expression selects, e.g. `rate(a_total[5m]) / b` → [a_total, b]. */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  let index = 0;
  while (index < expr.length) {
    const char = expr.charAt(index);
    if (char === '"' || char === "'" || char === '`') {
      index = skipQuoted(expr, index);
    } else if (char === '{') {
      index = skipBalanced(expr, index, '{', '}');
    } else if (char === '[') {
      index = skipBalanced(expr, index, '[', ']');
    } else if (char === '#') {
      const newline = expr.indexOf('\n', index);
      index = newline === -1 ? expr.length : newline;
    } else if (/[0-9.]/.test(char)) {
      // numbers, durations and hex literals are one token
      while (index < expr.length && /[0-9A-Za-z_.]/.test(expr.charAt(index))) index += 1;
    } else if (identifierStart.test(char)) {
      const start = index;
      while (index < expr.length && identifierPart.test(expr.charAt(index))) index += 1;
      const word = expr.slice(start, index);
      const after = nextNonSpace(expr, index);
      const lower = word.toLowerCase();
      if (groupingKeywords.has(lower)) {
        if (expr.charAt(after) === '(') index = skipBalanced(expr, after, '(', ')');
      } else if (lower === 'offset') {
        index = after;
        if (expr.charAt(index) === '-') index += 1;
        while (index < expr.length && /[0-9A-Za-z]/.test(expr.charAt(index))) index += 1;
      } else if (expr.charAt(after) !== '(' && !keywords.has(lower) && !isAggregationModifier(expr, after)) {
        names.add(word);
      }
    } else {
      index += 1;
    }
  }
  return [...names];
}
