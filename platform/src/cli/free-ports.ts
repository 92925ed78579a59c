import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** The lowest port of the kernel's ephemeral range (Linux: ip_local_port_range; else the usual 32768). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Finds `count` distinct free ports on 127.0.0.1 for services to listen on later. They are chosen below the
 * kernel's ephemeral range: a port from that range (what listen(0) hands out) can be taken, between this call
 * and the service's own listen (or while a killed service is down before its restart), by any process's
 * outgoing connection, and the service then fails with EADDRINUSE. They are chosen from 15000 up: tests that
 * start a stack at a fixed port offset keep their ports below that. Every candidate stays bound until all ports
 * are known, so no two are the same.
 */
export async function freePorts(count: number): Promise<number[]> {
  const high = ephemeralLow() - 1;
  const low = Math.min(15_000, high - 4_000);
  const servers: Server[] = [];
  try {
    for (let attempt = 0; servers.length < count && attempt < count * 50; attempt += 1) {
      const port = low + Math.floor(Math.random() * (high - low + 1));
      const server = await listenOn(port);
      if (server) servers.push(server);
    }
    if (servers.length < count) throw new Error(`no ${count} free ports found between ${low} and ${high}`);
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** One free port on 127.0.0.1, below the ephemeral range (see freePorts). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port found');
  return port;
}
