import { join } from 'node:path';
import { EmbeddedTransport } from '../../src/events/embedded-transport.js';
import { tempDir } from '../../src/testing/index.js';
import { runTransportContract, type ContractTransport, type TransportHarness } from './transport-contract.js';

function embeddedHarness(): Promise<TransportHarness> {
  const dir = tempDir('events-embedded-');
  const file = join(dir.path, 'events.db');
  const retryDelaysMs = [50, 100];
  const transports: EmbeddedTransport[] = [];
  let count = 0;

  return Promise.resolve({
    retryDelaysMs,
    create({ logger, registry }): Promise<ContractTransport> {
      const transport = new EmbeddedTransport({
        file,
        logger,
        registry,
        retryDelaysMs,
        pollMs: 20,
        visibilityTimeoutMs: 400,
      });
      transports.push(transport);
      return Promise.resolve(transport);
    },
    queue(label) {
      count += 1;
      return `${label}-${count}`;
    },
    // The embedded analogue of the broker dropping connections: every process loses its file handle.
    dropConnections() {
      for (const transport of transports) transport.disconnect();
      return Promise.resolve();
    },
    async cleanup() {
      await Promise.all(transports.map((transport) => transport.close()));
      dir.cleanup();
    },
  });
}

runTransportContract('Embedded (SQLite queue file)', embeddedHarness);
