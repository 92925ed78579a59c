import { connect } from 'node:net';
import { parseJson, recordReply, sourceAddress } from './http.js';

export interface RawReply {
  /** 0 when the server closed without a parsable status line. */
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/**
 * Sends bytes exactly as given (for requests no HTTP client will build: CR/LF inside header values,
 * oversized headers) and reads until the server closes. `head` is the request line plus header lines
 * without the final blank line; `Connection: close` is appended.
 */
export function rawRequest(baseUrl: string, head: string, body = '', timeoutMs = 10_000): Promise<RawReply> {
  const { hostname, port } = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    const localAddress = sourceAddress();
    const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const reply = { ...parse(Buffer.concat(chunks).toString('utf8')), ms: performance.now() - started };
      const [method = '?', path = '?'] = head.split(/\s+/, 2);
      recordReply(method, path, { ...reply, body: parseJson(reply.body), text: reply.body }, baseUrl);
      resolve(reply);
    };
    socket.setTimeout(timeoutMs, finish);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.once('connect', () => {
      const length = Buffer.byteLength(body);
      const extra = length > 0 ? `Content-Length: ${length}\r\n` : '';
      socket.write(`${head}\r\n${extra}Connection: close\r\n\r\n${body}`);
    });
  });
}

function parse(text: string): Omit<RawReply, 'ms'> {
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  let body = split >= 0 ? text.slice(split + 4) : '';
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body);
  return { status, headers, body };
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) return out;
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!size) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
