import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import winston from 'winston';
import { EmbeddedTransport } from '../events/embedded-transport.js';
import { BrokerBlockedError, RabbitTransport } from '../events/rabbit-transport.js';
import { UnknownQueueError, type DeadLetter, type EventTransport } from '../events/transport.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import { parseCommandLine, UsageError } from './command-line.js';
import { howToNameTheStack, locateStack, StackNotFoundError, type StackLocation } from './stack-location.js';
import { printable, printableLines, terminalSafeJson } from './terminal-text.js';

const USAGE = `Usage: npm run events -- <command> [--dir <data dir>]

Commands:
  dead-letters list <queue> [--json]        show the dead letters of a consuming service's queue
  dead-letters replay <queue> [--id <id>]... [--wait <seconds>]
                                            move them (all, or each --id: dead-letter id or event id)
                                            back to the queue for another try, each once: those present
                                            when the replay starts; then wait for the consumer and
                                            report which were dead-lettered again

Options:
  --dir <dir>       the data directory of the stack (DATA_DIR of npm start)
  --json            one JSON dead letter per line
  --wait <seconds>  how long replay waits for the consumer before its summary (default 10, 0: none)
  -h, --help        this help

Queues are named after the consuming service: shipping-service, notification-service, order-service,
payment-service, and notification-service.analytics (its analytics module).
An unknown queue is an error.

Which event transport: the one the stack's DATA_DIR/stack.json names (npm start writes it), the stack
being found from --dir, else the variables the services read, AMQP_URL (RabbitMQ, exchange
EVENTS_EXCHANGE, default shop.events) or EVENT_BUS_FILE (embedded queue file), else DATA_DIR, else ./data.
stack.json never holds a RabbitMQ password: for such a stack set AMQP_URL. The command never creates a
queue file.

Exit codes: 0 done, 1 failed (unknown queue, no stack, transport unreachable), 2 bad usage.`;

/** The variables the command reads (passed in: only the entry below touches process.env). */
export interface EventsCliEnv {
  AMQP_URL?: string | undefined;
  EVENT_BUS_FILE?: string | undefined;
  EVENTS_EXCHANGE?: string | undefined;
  DATA_DIR?: string | undefined;
}

/** The transport the command inspects. */
export type TransportTarget =
  { kind: 'embedded'; file: string } | { kind: 'rabbitmq'; url: string; exchange?: string | undefined };

export interface EventsCliDeps {
  env: EventsCliEnv;
  /** Opens the transport to inspect; the CLI closes it when done. */
  openTransport(target: TransportTarget): Promise<EventTransport>;
  out(line: string): void;
  err(line: string): void;
}

function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.href;
  } catch {
    return 'the AMQP_URL';
  }
}

/** Names the target in messages (never with a password). */
function describe(target: TransportTarget): string {
  return target.kind === 'embedded'
    ? `the embedded queue file ${target.file}`
    : `RabbitMQ at ${redacted(target.url)}`;
}

function embeddedFile(file: string, origin: string): TransportTarget {
  if (!existsSync(file)) {
    throw new StackNotFoundError(
      `no event queue file ${file} (${origin}): no stack has run there yet. A stack on RabbitMQ: set AMQP_URL.\n` +
        howToNameTheStack('events'),
    );
  }
  return { kind: 'embedded', file };
}

function fromStack(location: StackLocation, env: EventsCliEnv): TransportTarget {
  const transport = location.stack?.transport;
  const exchange = env.EVENTS_EXCHANGE || undefined;
  if (transport?.kind === 'rabbitmq') {
    const url = env.AMQP_URL || (transport.passwordOmitted ? undefined : transport.url);
    if (url === undefined) {
      throw new StackNotFoundError(
        `the stack at ${location.stack?.gatewayUrl} uses RabbitMQ at ${transport.url}, whose password ` +
          `stack.json does not keep: set AMQP_URL to the URL that stack was started with.`,
      );
    }
    return { kind: 'rabbitmq', url, exchange };
  }
  const file = transport?.file ?? join(location.dataDir, 'events.db');
  return embeddedFile(file, `data directory ${location.dataDir}`);
}

/** The transport the command means: see USAGE. Throws StackNotFoundError saying what is missing. */
export function chooseTransport(dir: string | undefined, env: EventsCliEnv): TransportTarget {
  if (dir === undefined) {
    if (env.AMQP_URL)
      return { kind: 'rabbitmq', url: env.AMQP_URL, exchange: env.EVENTS_EXCHANGE || undefined };
    if (env.EVENT_BUS_FILE) return embeddedFile(resolve(env.EVENT_BUS_FILE), 'EVENT_BUS_FILE');
  }
  return fromStack(locateStack({ dir, dataDirVariable: env.DATA_DIR, command: 'events' }), env);
}

function formatTable(letters: DeadLetter[]): string[] {
  const rows = letters.map((letter) =>
    [
      letter.deadLetterId,
      letter.type ?? '?',
      letter.eventId ?? '-',
      letter.reason,
      String(letter.attempts),
      letter.deadLetteredAt ?? '-',
      (letter.error ?? '').replace(/\s+/g, ' ').slice(0, 80),
    ].map(printable),
  );
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

function unknownQueue(error: UnknownQueueError, target: TransportTarget): string {
  const known = error.knownQueues;
  const list =
    known === undefined
      ? 'Queues are named after the consuming service, e.g. shipping-service.'
      : known.length === 0
        ? 'It has no queues yet: no service has consumed events there.'
        : `Its queues: ${known.join(', ')}.`;
  return `no queue named ${error.queue} on ${describe(target)}. ${list}`;
}

/**
 * The `npm run events` command, as a function so tests run it against a real transport. Returns the
 * process exit code: 0 done, 1 failed, 2 bad usage.
 */
export async function runEventsCli(argv: readonly string[], deps: EventsCliDeps): Promise<number> {
  // The last guard: dead letters and broker errors are outside text; nothing reaches the terminal raw.
  const out = (text: string) => deps.out(printableLines(text));
  const err = (text: string) => deps.err(printableLines(text));
  let values: { json?: boolean; id?: string[]; dir?: string; help?: boolean; wait?: string };
  let positionals: string[];
  let waitSeconds: number | undefined;
  try {
    ({ values, positionals } = parseCommandLine(argv, {
      json: { type: 'boolean' },
      id: { type: 'string', multiple: true },
      dir: { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    }));
    waitSeconds = values.wait === undefined ? undefined : parseWait(values.wait);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true || argv.length === 0) {
    out(USAGE);
    return 0;
  }
  const ids = values.id ?? [];
  const [group, action, queue, ...extra] = positionals;
  const known = group === 'dead-letters' && (action === 'list' || action === 'replay');
  const replayOnly = ids.length > 0 || waitSeconds !== undefined;
  if (!known || !queue || extra.length > 0 || (action === 'list' && replayOnly)) {
    const what =
      positionals.length === 0 ? 'a command is needed' : `unknown command: ${positionals.join(' ')}`;
    err(`${what}\n\n${USAGE}`);
    return 2;
  }

  let target: TransportTarget;
  let transport: EventTransport;
  let blocked = false;
  try {
    target = chooseTransport(values.dir, deps.env);
  } catch (error) {
    if (!(error instanceof StackNotFoundError)) throw error;
    err(`events: ${error.message}`);
    return 1;
  }
  try {
    transport = await deps.openTransport(target);
  } catch (error) {
    err(`cannot open ${describe(target)}: ${(error as Error).message}`);
    return 1;
  }
  try {
    if (!transport.isConnected()) {
      err(`${describe(target)} is not reachable`);
      return 1;
    }
    if (action === 'list') {
      const letters = await transport.listDeadLetters(queue);
      if (values.json === true) letters.forEach((letter) => out(terminalSafeJson(letter)));
      else if (letters.length === 0) out(`no dead letters on ${queue} (${describe(target)})`);
      else formatTable(letters).forEach((line) => out(line));
      return 0;
    }
    return await replay(
      transport,
      queue,
      { ids, waitSeconds: waitSeconds ?? DEFAULT_WAIT_SECONDS },
      out,
      err,
    );
  } catch (error) {
    if (error instanceof UnknownQueueError) {
      err(`events: ${unknownQueue(error, target)}`);
      return 1;
    }
    if (error instanceof BrokerBlockedError) {
      blocked = true;
      err(
        `replay stopped: ${error.message}, a resource alarm (memory or disk). ${error.moved} moved before ` +
          `it; the others stay in ${queue}'s dead letters. The one being moved stays there too, and its copy ` +
          `may still reach ${queue} when the alarm ends (the consumer's inbox makes that one effect). ` +
          'Replay again once the alarm is over (rabbitmqctl status shows the alarms).',
      );
      return 1;
    }
    err(`${action} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    // A blocked broker reads nothing more from this connection and would never answer a close.
    await (blocked ? transport.terminate() : closeWithin(transport, CLOSE_WAIT_MS));
  }
}

const CLOSE_WAIT_MS = 5_000;

/** Closes the transport, or drops it when the close does not end in time: the command always ends. */
async function closeWithin(transport: EventTransport, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([transport.close().then(() => 'closed' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') await transport.terminate();
}

const DEFAULT_WAIT_SECONDS = 10;

function parseWait(value: string): number {
  const seconds = Number(value);
  if (value === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new UsageError('--wait needs a number of seconds between 0 and 3600');
  }
  return seconds;
}

/**
 * Replays a snapshot of the dead letters (see `EventTransport.replayDeadLetters`), with progress, then waits
 * for the consumer (its queue and retries empty, or `waitSeconds` elapsed) and reports which came back.
 */
async function replay(
  transport: EventTransport,
  queue: string,
  options: { ids: readonly string[]; waitSeconds: number },
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  const { ids, waitSeconds } = options;
  const replayId = randomUUID();
  let reportedAt = Date.now();
  const replayed = await transport.replayDeadLetters(queue, ids.length > 0 ? ids : undefined, {
    replayId,
    onProgress: (done, snapshot) => {
      if (Date.now() - reportedAt < 1_000) return;
      reportedAt = Date.now();
      out(`  ${done} moved so far (${snapshot} dead letters when the replay started)`);
    },
  });
  out(`moved ${replayed} dead letter${replayed === 1 ? '' : 's'} back to ${queue} (replay ${replayId})`);
  let code = 0;
  if (ids.length > replayed) {
    err(`${ids.length - replayed} of the requested ids were not found on ${queue}`);
    code = 1;
  }
  if (replayed === 0) return code;

  if (waitSeconds > 0) {
    out(`waiting up to ${waitSeconds} s for ${queue}'s consumer to handle them...`);
    const until = Date.now() + waitSeconds * 1_000;
    // Empty twice in a row: a message being handled right now is not counted as waiting.
    let emptyPolls = 0;
    while (emptyPolls < 2 && Date.now() < until) {
      emptyPolls = (await transport.pendingCount(queue)) === 0 ? emptyPolls + 1 : 0;
      if (emptyPolls < 2) await sleep(250);
    }
  }
  const again = (await transport.listDeadLetters(queue)).filter((letter) => letter.replayId === replayId);
  const pending = await transport.pendingCount(queue);
  out(
    `summary: ${replayed} replayed, ${again.length} dead-lettered again` +
      (pending > 0
        ? `, ${pending} message${pending === 1 ? '' : 's'} still waiting in ${queue} or its retries`
        : ''),
  );
  for (const letter of again) {
    const error = (letter.error ?? '').replace(/\s+/g, ' ').slice(0, 120);
    out(`  dead-lettered again: ${letter.deadLetterId} ${letter.type ?? '?'} ${letter.reason}: ${error}`);
  }
  if (pending > 0 && waitSeconds > 0) {
    out('the consumer has not handled everything yet: list again later, or replay with a longer --wait');
  }
  return code;
}

/** Opens a transport for the command: one quick connection attempt, errors only, on stderr. */
export async function openCliTransport(target: TransportTarget): Promise<EventTransport> {
  const logger = createLogger({
    service: 'events-cli',
    level: 'error',
    console: false,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
  const registry = createMetricsRegistry('events-cli', { collectDefault: false });
  if (target.kind === 'embedded') return new EmbeddedTransport({ file: target.file, logger, registry });
  return RabbitTransport.connect({
    url: target.url,
    logger,
    registry,
    connectionName: 'events-cli',
    // One quick attempt: an operator wants an answer, not a retry loop.
    reconnect: { initialMs: 60_000, maxMs: 60_000 },
    ...(target.exchange !== undefined && { exchange: target.exchange }),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runEventsCli(process.argv.slice(2), {
    env: process.env,
    openTransport: openCliTransport,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
