import { request as httpRequest } from 'node:http';

/** A GET sent with the path exactly as given (fetch would normalise dot segments away). */
export function rawGet(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts a GET and returns a way to hang up before the answer arrives (on its own connection). */
export function abandonableGet(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): { hangUp(): void } {
  const { hostname, port } = new URL(baseUrl);
  const req = httpRequest({ host: hostname, port, path, method: 'GET', headers, agent: false });
  req.on('error', () => undefined);
  req.end();
  return { hangUp: () => req.destroy() };
}
