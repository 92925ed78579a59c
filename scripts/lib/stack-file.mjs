// DATA_DIR/stack.json: what `npm start` tells the other commands about the stack it runs (read by the
// trace and events CLIs, see platform/src/cli/stack-location.ts). It holds no secret: a RabbitMQ URL is
// stored without its password.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STACK_FILE = 'stack.json';

/** The URL with its password removed, and whether there was one. */
export function withoutPassword(url) {
  try {
    const parsed = new URL(url);
    const hadPassword = parsed.password !== '';
    parsed.password = '';
    return { url: parsed.href, passwordOmitted: hadPassword };
  } catch {
    return { url: '(not a URL)', passwordOmitted: true };
  }
}

/** Writes the file atomically (aside, then renamed), readable by its owner only like the rest of DATA_DIR. */
export function writeStackFile(dataDir, stack) {
  const file = join(dataDir, STACK_FILE);
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
  renameSync(draft, file);
  return file;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Whether `pid` is a running launcher (not a recycled pid), as far as this OS lets us tell. */
function isLauncher(pid) {
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return true;
  try {
    return readFileSync(cmdline, 'utf8').includes('start.mjs');
  } catch {
    return true;
  }
}

/** The stack.json of `dataDir` when the launcher that wrote it still runs (and is not this process). */
export function runningStackIn(dataDir) {
  const file = join(dataDir, STACK_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const stack = JSON.parse(readFileSync(file, 'utf8'));
    return stack.launcherPid !== process.pid && isLauncher(stack.launcherPid) ? stack : undefined;
  } catch {
    return undefined;
  }
}
