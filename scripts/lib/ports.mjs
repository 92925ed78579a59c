// Which of the launcher's ports are taken, checked by binding them the way the services will.
import { createServer } from 'node:net';

/** Resolves to the bind error code (`EADDRINUSE`, `EACCES`, ...) or undefined when the port is free. */
export function bindError(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error) => resolve(error.code ?? error.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** The services whose port cannot be bound on `host`, each with the reason. */
export async function heldPorts(services, host) {
  const errors = await Promise.all(services.map((service) => bindError(service.port, host)));
  return services
    .map((service, index) => ({ service, code: errors[index] }))
    .filter((entry) => entry.code !== undefined);
}

/** The first offset after `from` (in steps of 100) where every port is free, if one is found. */
export async function freeOffset(defaults, host, from) {
  for (let offset = from + 100; offset <= from + 1000; offset += 100) {
    const shifted = defaults.map((service) => ({ ...service, port: service.port + offset }));
    if (shifted.some((service) => service.port > 65535)) return undefined;
    if ((await heldPorts(shifted, host)).length === 0) return offset;
  }
  return undefined;
}

/** What answers on a taken gateway port, when it says: a shop-platform gateway names itself on `GET /`. */
export async function describeGateway(url) {
  try {
    const response = await fetch(`${url}/`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(1000),
    });
    const body = await response.json();
    if (body && body.name === 'shop-platform') {
      return `a shop-platform gateway answers there (version ${body.version ?? '?'}): another stack?`;
    }
  } catch {
    // Not HTTP, or not ours.
  }
  return 'another program holds it';
}
