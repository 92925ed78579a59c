import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import winston from 'winston';
import { createEventTransport } from '../events/create-transport.js';
import type { DeadLetter, EventTransport } from '../events/transport.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/registry.js';

const USAGE = `Usage: npm run events -- <command>

  dead-letters list <queue> [--json]        show the dead letters of a consuming service's queue
  dead-letters replay <queue> [--id <id>]   move them (all, or each --id: dead-letter id or event id)
                                            back to the queue for another try

The transport is RabbitMQ when AMQP_URL is set (exchange EVENTS_EXCHANGE, default shop.events),
otherwise the embedded queue file $EVENT_BUS_FILE, or $DATA_DIR/events.db (DATA_DIR defaults to ./data).
Queues are named after the consuming service, e.g. shipping-service, notification-service.`;

export interface EventsCliDeps {
  /** Opens the transport to inspect; the CLI closes it when done. */
  openTransport(): Promise<EventTransport>;
  out(line: string): void;
  err(line: string): void;
}

interface ParsedArgs {
  positional: string[];
  ids: string[];
  json: boolean;
  help: boolean;
}

function parseArgs(argv: readonly string[]): ParsedArgs | string {
  const parsed: ParsedArgs = { positional: [], ids: [], json: false, help: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '--json') parsed.json = true;
    else if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--id') {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) return '--id needs a value';
      parsed.ids.push(value);
      index += 1;
    } else if (arg.startsWith('--id=')) parsed.ids.push(arg.slice('--id='.length));
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else parsed.positional.push(arg);
  }
  return parsed;
}

function formatTable(letters: DeadLetter[]): string[] {
  const rows = letters.map((letter) => [
    letter.deadLetterId,
    letter.type ?? '?',
    letter.eventId ?? '-',
    letter.reason,
    String(letter.attempts),
    letter.deadLetteredAt ?? '-',
    (letter.error ?? '').replace(/\s+/g, ' ').slice(0, 80),
  ]);
  const header = ['DEAD-LETTER ID', 'TYPE', 'EVENT ID', 'REASON', 'ATTEMPTS', 'DEAD-LETTERED AT', 'ERROR'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * The `npm run events` command, as a function so tests run it against a real transport. Returns the
 * process exit code: 0 done, 1 failed, 2 bad usage.
 */
export async function runEventsCli(argv: readonly string[], deps: EventsCliDeps): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    deps.err(`${args}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    deps.out(USAGE);
    return 0;
  }
  const [group, action, queue, ...extra] = args.positional;
  const known = group === 'dead-letters' && (action === 'list' || action === 'replay');
  if (!known || !queue || extra.length > 0 || (action === 'list' && args.ids.length > 0)) {
    deps.err(`unknown command: ${args.positional.join(' ')}\n\n${USAGE}`);
    return 2;
  }

  let transport: EventTransport;
  try {
    transport = await deps.openTransport();
  } catch (error) {
    deps.err(`cannot open the event transport: ${(error as Error).message}`);
    return 1;
  }
  try {
    if (!transport.isConnected()) {
      deps.err(`the ${transport.kind} event transport is not reachable`);
      return 1;
    }
    if (action === 'list') {
      const letters = await transport.listDeadLetters(queue);
      if (args.json) letters.forEach((letter) => deps.out(JSON.stringify(letter)));
      else if (letters.length === 0) deps.out(`no dead letters on ${queue}`);
      else formatTable(letters).forEach((line) => deps.out(line));
      return 0;
    }
    const replayed = await transport.replayDeadLetters(queue, args.ids.length > 0 ? args.ids : undefined);
    deps.out(`replayed ${replayed} dead letter${replayed === 1 ? '' : 's'} to ${queue}`);
    if (args.ids.length > replayed) {
      deps.err(`${args.ids.length - replayed} of the requested ids were not found on ${queue}`);
      return 1;
    }
    return 0;
  } catch (error) {
    deps.err(`${action} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await transport.close();
  }
}

/** The dependencies of the real command: the transport chosen from the environment, stdout/stderr. */
export function defaultEventsCliDeps(env: NodeJS.ProcessEnv): EventsCliDeps {
  return {
    openTransport: () =>
      createEventTransport({
        amqpUrl: env.AMQP_URL || undefined,
        embeddedFile: env.EVENT_BUS_FILE || join(env.DATA_DIR || 'data', 'events.db'),
        exchange: env.EVENTS_EXCHANGE || undefined,
        connectionName: 'events-cli',
        // One quick attempt: an operator wants an answer, not a retry loop.
        reconnect: { initialMs: 60_000, maxMs: 60_000 },
        logger: createLogger({
          service: 'events-cli',
          level: 'error',
          console: false,
          transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
        }),
        registry: createMetricsRegistry('events-cli', { collectDefault: false }),
      }),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runEventsCli(process.argv.slice(2), defaultEventsCliDeps(process.env));
}
