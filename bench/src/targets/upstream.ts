import { createServer, type Server } from 'node:http';

const BODY = JSON.stringify({
  id: 'c0ffee00-0000-4000-8000-000000000001',
  name: 'Bench Customer',
  role: 'customer',
});
const LENGTH = String(Buffer.byteLength(BODY));

/** The tiny upstream every target ends at: a small JSON body for any request, keep-alive, nothing else. */
export function createUpstream(): Server {
  const server = createServer((request, response) => {
    // Drain any request body so the connection stays reusable.
    request.resume();
    request.once('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': LENGTH });
      response.end(BODY);
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
