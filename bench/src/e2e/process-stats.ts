import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time and parent of a process, from the text of /proc/<pid>/stat. */
export interface ProcStat {
  ppid: number;
  /** User + system time in clock ticks. */
  cpuTicks: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold spaces or ')', so
 * fields are counted from the last ')': then state is field 3, ppid 4, utime 14 and stime 15.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  const fields = text
    .slice(end + 2)
    .trim()
    .split(/\s+/);
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (![ppid, utime, stime].every(Number.isFinite)) return undefined;
  return { ppid, cpuTicks: utime + stime };
}

/** Resident memory in bytes from the text of /proc/<pid>/status (its `VmRSS:  123 kB` line). */
export function parseRssBytes(statusText: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  return match ? Number(match[1]) * 1024 : undefined;
}

/**
 * The file-backed part of the resident memory in bytes (`RssFile:` of /proc/<pid>/status): pages of the node
 * binary and the shared libraries, shared with every other process that maps them.
 */
export function parseRssFileBytes(statusText: string): number | undefined {
  const match = /^RssFile:\s+(\d+)\s+kB$/m.exec(statusText);
  return match ? Number(match[1]) * 1024 : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether this machine has the /proc files the end-to-end figures read (Linux). */
export function procAvailable(): boolean {
  return read(`/proc/${process.pid}/stat`) !== undefined;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`, 100 on Linux almost everywhere). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU time of a process so far (µs), or undefined when it is gone. */
export function cpuMicrosOf(pid: number): number | undefined {
  const stat = parseProcStat(read(`/proc/${pid}/stat`) ?? '');
  return stat === undefined ? undefined : (stat.cpuTicks * 1_000_000) / clockTicksPerSecond();
}

/** The pids of a process's children (Linux: /proc/<pid>/task/<pid>/children), e.g. the gateway's workers. */
export function childPids(pid: number): number[] {
  return (read(`/proc/${pid}/task/${pid}/children`) ?? '')
    .trim()
    .split(/\s+/)
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

export function rssBytesOf(pid: number): number | undefined {
  return parseRssBytes(read(`/proc/${pid}/status`) ?? '');
}

export function rssFileBytesOf(pid: number): number | undefined {
  return parseRssFileBytes(read(`/proc/${pid}/status`) ?? '');
}

/**
 * The services a launcher runs (`npm start` spawns `node <service>/dist/src/main.js` as its children): the
 * pid of each child whose command line runs one of `services`' entry points.
 */
export function childServices(launcherPid: number, services: readonly string[]): Map<string, number> {
  const found = new Map<string, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    if (parseProcStat(read(`/proc/${entry}/stat`) ?? '')?.ppid !== launcherPid) continue;
    const commandLine = (read(`/proc/${entry}/cmdline`) ?? '').split('\0');
    const service = services.find((name) =>
      commandLine.some((argument) => argument.endsWith(`${name}/dist/src/main.js`)),
    );
    if (service !== undefined) found.set(service, Number(entry));
  }
  return found;
}
