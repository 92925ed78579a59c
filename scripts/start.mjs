#!/usr/bin/env node
// `npm start`: builds what is stale, then runs every service as its own process with local defaults
// (SQLite files and JSON logs under data/, embedded event bus unless AMQP_URL is set), restarts crashed
// services with backoff, and stops everything gracefully on Ctrl-C / SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICES as DEFAULT_SERVICES, formatLine } from './lib/services.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// SHOP_PORT_OFFSET shifts every port (8080 -> 8080 + offset, ...): a second local stack, or the launcher's test.
const portOffset = Number.parseInt(process.env.SHOP_PORT_OFFSET ?? '0', 10) || 0;
const SERVICES = DEFAULT_SERVICES.map((service) => ({ ...service, port: service.port + portOffset }));
const dataDir = resolve(process.env.DATA_DIR ?? join(root, 'data'));
const logDir = join(dataDir, 'logs');
mkdirSync(logDir, { recursive: true });

const color = process.stdout.isTTY;
const say = (text) =>
  process.stdout.write(`${color ? '\x1b[1m' : ''}[launcher]${color ? '\x1b[0m' : ''} ${text}\n`);

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

const available = SERVICES.filter((service) =>
  existsSync(join(root, service.name, 'dist', 'src', 'main.js')),
);
const children = new Map();
let stopping = false;

function envFor(service) {
  const env = {
    ...process.env,
    PORT: String(service.port),
    HOST: process.env.HOST ?? '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_FILE: join(logDir, `${service.name}.log`),
    EVENT_BUS_FILE: process.env.EVENT_BUS_FILE ?? join(dataDir, 'events.db'),
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
  const prefix = (stream, out) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim()) out.write(formatLine(service, line, color) + '\n');
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
  if (!ready[i]) say(`warning: ${s.name} is not ready yet (see data/logs/${s.name}.log)`);
});
const gateway = available.find((s) => s.name === 'api-gateway');
if (gateway && !stopping) {
  start(gateway);
  await waitReady(gateway);
}
if (!stopping) {
  say(
    `data: ${dataDir} (SQLite files, logs/), events: ${process.env.AMQP_URL ? 'RabbitMQ' : 'embedded SQLite queue'}`,
  );
  for (const s of available) say(`${s.name.padEnd(22)} http://127.0.0.1:${s.port}`);
  if (gateway) say(`API: http://127.0.0.1:${gateway.port}   health: http://127.0.0.1:${gateway.port}/health`);
  say('Ctrl-C stops everything');
}
