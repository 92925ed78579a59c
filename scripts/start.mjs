#!/usr/bin/env node
// `npm start`: checks that its ports and data directory are free, builds what is stale, then runs every
// service as its own process with local defaults (SQLite files and JSON logs under data/, embedded event
// bus unless AMQP_URL is set), restarts crashed services with backoff, and stops everything gracefully on
// Ctrl-C / SIGTERM. It writes DATA_DIR/stack.json so `npm run trace` and `npm run events` find the stack.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeGateway, freeOffset, heldPorts } from './lib/ports.mjs';
import { SERVICES as DEFAULT_SERVICES } from './lib/services.mjs';
import { runningStackIn, withoutPassword, writeStackFile } from './lib/stack-file.mjs';

const USAGE = `Usage: npm start [-- --help]

Builds the services (incrementally) and runs all seven on this machine, each as its own process, until
Ctrl-C. Crashed services are restarted with backoff. When the gateway is ready it prints its URL as a line
to paste into other terminals: export GW=http://127.0.0.1:8080

Before anything starts it checks that every port is free and that no other running stack uses the data
directory, and stops with what to do otherwise (exit code 1).

Environment:
  SHOP_PORT_OFFSET  added to every port (gateway 8080, services 5001-5006), to run a second stack
                    beside the first: SHOP_PORT_OFFSET=100 DATA_DIR=/tmp/shop2 npm start   (default 0)
  DATA_DIR          SQLite files, logs/, events.db, jwt-secret and stack.json   (default ./data)
  HOST              the address the services listen on   (default 127.0.0.1)
  AMQP_URL          use RabbitMQ for events instead of the embedded queue file DATA_DIR/events.db
  EVENT_BUS_FILE    another embedded queue file
  ADMIN_EMAIL, ADMIN_PASSWORD
                    the first admin account (default admin@shop.local; without a password one is
                    generated and printed once)
  CHAOS_ENABLED     true: the services accept fault injection (admin-only /admin/chaos/<service>)
Every other variable reaches every service as is (each service's settings: its README).

Files: DATA_DIR/stack.json (gateway URL, data directory, transport: read by npm run trace and
npm run events), DATA_DIR/logs/<service>.log (JSON lines), DATA_DIR/<service>.db.`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const color = process.stdout.isTTY;
const say = (text) =>
  process.stdout.write(`${color ? '\x1b[1m' : ''}[launcher]${color ? '\x1b[0m' : ''} ${text}\n`);
const fail = (lines) => {
  for (const line of lines) process.stderr.write(`[launcher] ${line}\n`);
  process.exit(1);
};

let cli;
try {
  cli = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true });
} catch (error) {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  process.stderr.write(`[launcher] ${option ? `unknown option ${option}` : error.message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (cli.values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const offsetSetting = process.env.SHOP_PORT_OFFSET?.trim() || '0';
const portOffset = Number(offsetSetting);
if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset + 8080 > 65535) {
  fail([
    `SHOP_PORT_OFFSET must be a whole number from 0 to ${65535 - 8080}, e.g. 100 (got "${offsetSetting}")`,
  ]);
}
// SHOP_PORT_OFFSET shifts every port (8080 -> 8080 + offset, ...): a second local stack, or the launcher's test.
const SERVICES = DEFAULT_SERVICES.map((service) => ({ ...service, port: service.port + portOffset }));
const host = process.env.HOST ?? '127.0.0.1';
const dataDir = resolve(process.env.DATA_DIR ?? join(root, 'data'));
const logDir = join(dataDir, 'logs');
const shellWord = (text) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`);
const gatewayPort = SERVICES.find((s) => s.name === 'api-gateway').port;
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

/**
 * Refuses to start beside a stack that holds the ports or the data directory: its readiness answers would
 * pass for ours while every service of ours crash-loops on EADDRINUSE.
 */
async function assertNothingInTheWay() {
  const problems = [];
  const owner = runningStackIn(dataDir);
  if (owner) {
    problems.push(
      `${dataDir} is the data directory of the stack running at ${owner.gatewayUrl} (launcher pid ${owner.launcherPid}).`,
    );
  }
  const held = await heldPorts(SERVICES, host);
  for (const { service, code } of held) {
    const what =
      code === 'EADDRINUSE'
        ? service.name === 'api-gateway'
          ? await describeGateway(`http://127.0.0.1:${service.port}`)
          : 'in use'
        : `cannot be bound (${code})`;
    problems.push(`port ${service.port} (${service.name}) on ${host}: ${what}`);
  }
  if (problems.length === 0) return;
  const next = [];
  if (held.length > 0) {
    const offset = await freeOffset(DEFAULT_SERVICES, host, portOffset);
    const dataHint = owner ? ` DATA_DIR=/tmp/shop-${offset}` : '';
    next.push(
      offset === undefined
        ? 'Stop the other stack (Ctrl-C in its terminal), or set SHOP_PORT_OFFSET to move this one.'
        : `Stop the other stack (Ctrl-C in its terminal), or run this one beside it: SHOP_PORT_OFFSET=${offset}${dataHint} npm start`,
    );
  } else {
    next.push('Stop that stack (Ctrl-C in its terminal), or give this one its own: DATA_DIR=<dir> npm start');
  }
  fail(['cannot start:', ...problems.map((problem) => `  ${problem}`), ...next]);
}

await assertNothingInTheWay();
mkdirSync(logDir, { recursive: true });
const eventBusFile = process.env.EVENT_BUS_FILE ?? join(dataDir, 'events.db');
const transport = process.env.AMQP_URL
  ? { kind: 'rabbitmq', ...withoutPassword(process.env.AMQP_URL) }
  : { kind: 'embedded', file: resolve(eventBusFile) };
writeStackFile(dataDir, {
  gatewayUrl,
  dataDir,
  logsDir: logDir,
  transport,
  services: Object.fromEntries(SERVICES.map((s) => [s.name, `http://127.0.0.1:${s.port}`])),
  portOffset,
  launcherPid: process.pid,
  startedAt: new Date().toISOString(),
});

say('building the services (incremental)...');
// Only what runs: the services and, through their references, platform/ (not the test-only workspaces).
const projects = SERVICES.map((service) => service.name).filter((name) =>
  existsSync(join(root, name, 'tsconfig.json')),
);
const build = spawnSync(process.execPath, [join(root, 'scripts', 'tsc.mjs'), '-b', ...projects], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  say('build failed; fix the errors above and run npm start again');
  process.exit(1);
}
// Built just above (platform comes with every service's project references).
const { formatConsoleLine } = await import('@shop/platform/tools');
// The build took a while: a stack started meanwhile must not be mistaken for ours either.
await assertNothingInTheWay();

const available = SERVICES.filter((service) =>
  existsSync(join(root, service.name, 'dist', 'src', 'main.js')),
);
const children = new Map();
let stopping = false;

function envFor(service) {
  const env = {
    ...process.env,
    PORT: String(service.port),
    HOST: host,
    DATA_DIR: dataDir,
    LOG_FILE: join(logDir, `${service.name}.log`),
    EVENT_BUS_FILE: eventBusFile,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
  };
  for (const other of SERVICES) env[other.urlVar] ??= `http://127.0.0.1:${other.port}`;
  return env;
}

function start(service, attempt = 0) {
  const child = spawn(process.execPath, [join(root, service.name, 'dist', 'src', 'main.js')], {
    cwd: root,
    env: envFor(service),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const startedAt = Date.now();
  children.set(service.name, child);
  say(`started ${service.name} (pid ${child.pid})`);
  const lineOptions = {
    service: service.name,
    colorIndex: DEFAULT_SERVICES.findIndex((s) => s.name === service.name),
    color,
  };
  const prefix = (stream, out) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim()) out.write(formatConsoleLine(line, lineOptions) + '\n');
      }
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (stopping) return;
    // A service that ran a minute counts as healthy again: its next crash starts the backoff over.
    const nextAttempt = Date.now() - startedAt > 60_000 ? 0 : attempt + 1;
    const delay = Math.min(30_000, 500 * 2 ** nextAttempt);
    say(`${service.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) start(service, nextAttempt);
    }, delay).unref();
  });
}

async function waitReady(service, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping ${children.size} services gracefully...`);
  for (const child of children.values()) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, 20_000);
  const check = setInterval(() => {
    if (children.size === 0) {
      clearInterval(check);
      clearTimeout(force);
      say('all services stopped');
      process.exit(0);
    }
  }, 100);
}
process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));

const backends = available.filter((s) => s.name !== 'api-gateway');
for (const service of backends) start(service);
const ready = await Promise.all(backends.map((s) => waitReady(s)));
backends.forEach((s, i) => {
  if (!ready[i]) say(`warning: ${s.name} is not ready yet (see ${join(logDir, `${s.name}.log`)})`);
});
const gateway = available.find((s) => s.name === 'api-gateway');
if (gateway && !stopping) {
  start(gateway);
  await waitReady(gateway);
}
if (!stopping) {
  say(
    `data: ${dataDir} (SQLite files, logs/, stack.json), events: ${transport.kind === 'rabbitmq' ? `RabbitMQ ${transport.url}` : `embedded SQLite queue ${transport.file}`}`,
  );
  for (const s of available) say(`${s.name.padEnd(22)} http://127.0.0.1:${s.port}`);
  if (gateway) say(`API: ${gatewayUrl}   health: ${gatewayUrl}/health`);
  // One line to paste into another terminal: curl "$GW/...", and the CLIs find this stack's DATA_DIR.
  const exported = process.env.DATA_DIR ? ` DATA_DIR=${shellWord(dataDir)}` : '';
  say(`export GW=${gatewayUrl}${exported}`);
  say('Ctrl-C stops everything');
}
