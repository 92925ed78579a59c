import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { locateStack, StackNotFoundError } from '@shop/platform/tools';

/** Where the gateway URL came from, for messages. */
export type GatewaySource = '--gateway' | 'GATEWAY_URL' | 'stack.json';

export interface GatewayTarget {
  url: string;
  source: GatewaySource;
  /** The data directory whose stack.json named it. */
  dataDir?: string;
  /** The launcher of that stack, when stack.json names it (its children are the services). */
  launcherPid?: number;
}

/**
 * The gateway a command drives: `--gateway`, else `--dir`'s stack.json, else GATEWAY_URL, else the
 * stack.json of DATA_DIR or ./data (what `npm start` writes). Throws StackNotFoundError saying what to give.
 */
export function resolveGateway(options: {
  gateway?: string | undefined;
  dir?: string | undefined;
  env: { GATEWAY_URL?: string | undefined; DATA_DIR?: string | undefined };
  command: string;
}): GatewayTarget {
  if (options.gateway !== undefined)
    return { url: checkedUrl(options.gateway, '--gateway'), source: '--gateway' };
  const fromEnv = options.env.GATEWAY_URL?.trim();
  if (options.dir === undefined && fromEnv)
    return { url: checkedUrl(fromEnv, 'GATEWAY_URL'), source: 'GATEWAY_URL' };
  const location = locateStack({
    dir: options.dir,
    dataDirVariable: options.env.DATA_DIR,
    command: options.command,
  });
  if (location.stack === undefined) {
    throw new StackNotFoundError(
      `${location.dataDir} has no stack.json: no stack was started there with npm start. ` +
        `Name the gateway instead: GATEWAY_URL=http://127.0.0.1:8080 npm run ${options.command} -- … ` +
        `(or --gateway <url>).`,
    );
  }
  return {
    url: checkedUrl(location.stack.gatewayUrl, `${location.dataDir}/stack.json`),
    source: 'stack.json',
    dataDir: location.dataDir,
    ...(location.stack.launcherPid !== undefined && { launcherPid: location.stack.launcherPid }),
  };
}

function checkedUrl(text: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StackNotFoundError(`${origin}: "${text}" is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StackNotFoundError(`${origin}: "${text}" is not an http(s) URL`);
  }
  return url.origin;
}

/** True for 127.0.0.0/8, ::1 and ::ffff:127.x addresses. */
export function isLoopbackAddress(address: string): boolean {
  const plain = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(plain) === 4) return plain.startsWith('127.');
  if (isIP(plain) === 6) return plain === '::1' || /^::ffff:127\./.test(plain);
  return false;
}

/**
 * The addresses a gateway URL's host resolves to, and whether every one is this machine's loopback: a
 * name that resolves partly elsewhere does not count.
 */
export async function loopbackCheck(url: string): Promise<{ loopback: boolean; addresses: string[] }> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return { loopback: isLoopbackAddress(host), addresses: [host] };
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return { loopback: false, addresses: [] };
  }
  return { loopback: addresses.length > 0 && addresses.every(isLoopbackAddress), addresses };
}
