import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real RabbitMQ that can emulate a resource alarm (`rabbitmqctl
 * set_vm_memory_high_watermark 0`) for the connections going through it, without alarming a broker that
 * other people use. What RabbitMQ does under an alarm, and so what this does after `block()`:
 * - a connection that publishes gets `connection.blocked` (with the reason), and from that publish on the
 *   broker reads nothing more from it: the publish is never confirmed, and later frames (acks, cancels, a
 *   `connection.close`) go unanswered too;
 * - deliveries to the connection's consumers keep flowing, and so do heartbeats (the broker does not time
 *   out a connection it blocked: the proxy keeps the broker side alive with heartbeats of its own);
 * - `unblock()`: `connection.unblocked`, and the held frames reach the broker in order.
 * Connections that do not publish are never blocked. The proxy only ever writes whole frames, so what it
 * injects never splits a frame.
 */
export interface BlockingAmqpProxy {
  /** The target URL with the proxy's host and port (same credentials, vhost and query). */
  readonly url: string;
  readonly port: number;
  /** Starts the emulated alarm. */
  block(reason?: string): void;
  /** Ends it: blocked connections get `connection.unblocked` and their held frames go through. */
  unblock(): void;
  /** `basic.publish` frames held back from the broker since block() (for tests to wait on). */
  readonly heldPublishes: number;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  close(): Promise<void>;
}

const FRAME_METHOD = 1;
const FRAME_HEARTBEAT = 8;
const FRAME_END = 0xce;
const HEADER_BYTES = 7;

function frame(type: number, channel: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + payload.length + 1);
  out.writeUInt8(type, 0);
  out.writeUInt16BE(channel, 1);
  out.writeUInt32BE(payload.length, 3);
  payload.copy(out, HEADER_BYTES);
  out.writeUInt8(FRAME_END, HEADER_BYTES + payload.length);
  return out;
}

function connectionBlocked(reason: string): Buffer {
  const text = Buffer.from(reason.slice(0, 255), 'utf8');
  const payload = Buffer.alloc(5 + text.length);
  payload.writeUInt16BE(10, 0);
  payload.writeUInt16BE(60, 2);
  payload.writeUInt8(text.length, 4);
  text.copy(payload, 5);
  return frame(FRAME_METHOD, 0, payload);
}

function connectionUnblocked(): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(10, 0);
  payload.writeUInt16BE(61, 2);
  return frame(FRAME_METHOD, 0, payload);
}

const HEARTBEAT = frame(FRAME_HEARTBEAT, 0, Buffer.alloc(0));

/** Length of the first complete frame in `buffer`, or 0 when it is not complete yet. */
function completeFrameLength(buffer: Buffer): number {
  if (buffer.length < HEADER_BYTES) return 0;
  const total = HEADER_BYTES + buffer.readUInt32BE(3) + 1;
  return buffer.length >= total ? total : 0;
}

function isPublish(frameBytes: Buffer): boolean {
  return (
    frameBytes.readUInt8(0) === FRAME_METHOD &&
    frameBytes.length >= HEADER_BYTES + 4 &&
    frameBytes.readUInt16BE(HEADER_BYTES) === 60 &&
    frameBytes.readUInt16BE(HEADER_BYTES + 2) === 40
  );
}

class ProxiedConnection {
  private toBroker = Buffer.alloc(0);
  private toClient = Buffer.alloc(0);
  private headerSent = false;
  /** The broker "stopped reading" this connection (it published during the alarm). */
  held = false;
  heldPublishes = 0;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Socket,
    private readonly broker: Socket,
    private readonly proxy: { blockedReason: string | undefined },
  ) {
    client.on('data', (chunk: Buffer) => {
      this.toBroker = Buffer.concat([this.toBroker, chunk]);
      this.forwardToBroker();
    });
    broker.on('data', (chunk: Buffer) => {
      this.toClient = Buffer.concat([this.toClient, chunk]);
      this.forwardToClient();
    });
  }

  private forwardToBroker(): void {
    if (!this.headerSent) {
      if (this.toBroker.length < 8) return;
      this.broker.write(this.toBroker.subarray(0, 8));
      this.toBroker = this.toBroker.subarray(8);
      this.headerSent = true;
    }
    while (!this.held) {
      const length = completeFrameLength(this.toBroker);
      if (length === 0) return;
      const next = this.toBroker.subarray(0, length);
      if (this.proxy.blockedReason !== undefined && isPublish(next)) {
        this.hold(this.proxy.blockedReason);
        break;
      }
      this.broker.write(next);
      this.toBroker = this.toBroker.subarray(length);
    }
    if (this.held) this.countHeldPublishes();
  }

  private forwardToClient(): void {
    for (;;) {
      const length = completeFrameLength(this.toClient);
      if (length === 0) return;
      this.client.write(this.toClient.subarray(0, length));
      this.toClient = this.toClient.subarray(length);
    }
  }

  private countHeldPublishes(): void {
    let count = 0;
    let offset = 0;
    for (;;) {
      const rest = this.toBroker.subarray(offset);
      const length = completeFrameLength(rest);
      if (length === 0) break;
      if (isPublish(rest.subarray(0, length))) count += 1;
      offset += length;
    }
    this.heldPublishes = count;
  }

  private hold(reason: string): void {
    this.held = true;
    // Written between whole frames only: forwardToClient never leaves half a frame on the client socket.
    this.client.write(connectionBlocked(reason));
    this.keepAlive = setInterval(() => this.broker.write(HEARTBEAT), 1_000);
    this.keepAlive.unref();
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.heldPublishes = 0;
    clearInterval(this.keepAlive);
    this.client.write(connectionUnblocked());
    this.forwardToBroker();
  }

  destroy(): void {
    clearInterval(this.keepAlive);
    this.client.destroy();
    this.broker.destroy();
  }
}

/** Starts the proxy on 127.0.0.1 (a free port) in front of `targetUrl`'s host and port. */
export async function startBlockingAmqpProxy(targetUrl: string): Promise<BlockingAmqpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || 5672);
  const state: { blockedReason: string | undefined } = { blockedReason: undefined };
  const open = new Set<ProxiedConnection>();

  const server: Server = createServer((client) => {
    const broker = createConnection({ host: target.hostname, port: targetPort });
    const connection = new ProxiedConnection(client, broker, state);
    open.add(connection);
    const end = (): void => {
      if (!open.delete(connection)) return;
      connection.destroy();
    };
    client.on('close', end);
    broker.on('close', end);
    client.on('error', end);
    broker.on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  return {
    url: url.toString(),
    port,
    block(reason = 'low on memory') {
      state.blockedReason = reason;
    },
    unblock() {
      state.blockedReason = undefined;
      for (const connection of open) connection.release();
    },
    get heldPublishes() {
      let total = 0;
      for (const connection of open) total += connection.heldPublishes;
      return total;
    },
    get connections() {
      return open.size;
    },
    close() {
      for (const connection of open) connection.destroy();
      open.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
