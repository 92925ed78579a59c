import type { Reply } from './http.js';

const CODE = /^[a-z][a-z0-9_]*$/;

// What must never reach a client in an error (docs/architecture.md#public-api: "5xx never leaks internals").
const INTERNALS: readonly [string, RegExp][] = [
  ['a stack trace', /\n\s+at |\bat [\w.<>]+ \(.+:\d+:\d+\)/],
  ['a socket error code', /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EADDRINUSE|UND_ERR_\w+)\b/],
  ['an internal address', /\b127\.0\.0\.1\b|\blocalhost\b|:\d{4,5}\//],
  ['a file path', /\/(work|home|usr|tmp|app|srv)\/|node_modules|\.(ts|js|mjs):\d+/],
  ['a database message', /\bSQLITE_\w+|\bsqlite\b/i],
  ['a JavaScript error name', /\b(TypeError|ReferenceError|SyntaxError|RangeError)\b/],
];

/** Problems with an error reply's shape: {error:{code,message,correlationId}}, JSON, nothing internal. */
export function errorShapeProblems(reply: Reply, label: string): string[] {
  const problems: string[] = [];
  const where = `${label} -> ${reply.status}`;
  if (reply.status === 0) return [`${where}: no response (${reply.error ?? 'network error'})`];
  if (!(reply.headers['content-type'] ?? '').includes('application/json')) {
    problems.push(`${where}: content-type ${reply.headers['content-type'] ?? 'missing'}`);
  }
  const error = (reply.body as { error?: Record<string, unknown> } | undefined)?.error;
  if (typeof error !== 'object' || error === null) {
    problems.push(`${where}: body is not {error:{...}}: ${reply.text.slice(0, 120)}`);
    return problems;
  }
  if (typeof error.code !== 'string' || !CODE.test(error.code))
    problems.push(`${where}: code ${String(error.code)}`);
  if (typeof error.message !== 'string' || error.message === '') problems.push(`${where}: message missing`);
  if (typeof error.correlationId !== 'string' || error.correlationId === '') {
    problems.push(`${where}: correlationId missing`);
  } else if (reply.headers['x-correlation-id'] && reply.headers['x-correlation-id'] !== error.correlationId) {
    problems.push(`${where}: correlationId differs from the X-Correlation-ID header`);
  }
  if (reply.status === 401 && !/^Bearer/i.test(reply.headers['www-authenticate'] ?? '')) {
    problems.push(`${where}: 401 without WWW-Authenticate: Bearer`);
  }
  for (const [what, pattern] of INTERNALS) {
    if (pattern.test(reply.text)) problems.push(`${where}: leaks ${what}: ${reply.text.slice(0, 160)}`);
  }
  return problems;
}
