import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';

export interface SourceChoice {
  /** The local address the suite's requests leave from; undefined: the operating system's choice. */
  address: string | undefined;
  /** Why, in one line. */
  reason: string;
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Where the suite's requests to an external stack leave from. The gateway keys its anonymous, `/auth` and
 * login budgets by client IP: sending from a loopback alias of its own (127.0.0.0/8 is all loopback on
 * Linux) spends those budgets for that alias, never for the user's 127.0.0.1. `setting`: unset or `auto`
 * picks a random alias when the gateway is on this machine's loopback; `off` keeps the OS's choice; an IP
 * address is used as given.
 */
export async function chooseSourceAddress(
  gatewayUrl: string,
  setting: string | undefined,
): Promise<SourceChoice> {
  if (setting === 'off') return { address: undefined, reason: 'RESILIENCE_SOURCE_ADDRESS=off' };
  if (setting !== undefined && setting !== 'auto') {
    if (isIP(setting) === 0)
      throw new Error(`RESILIENCE_SOURCE_ADDRESS must be auto, off or an IP address, got ${setting}`);
    const problem = await probe(gatewayUrl, setting);
    if (problem) throw new Error(`cannot reach ${gatewayUrl} from ${setting}: ${problem}`);
    return { address: setting, reason: 'RESILIENCE_SOURCE_ADDRESS' };
  }
  if (!LOOPBACK_HOST.test(new URL(gatewayUrl).hostname)) {
    return { address: undefined, reason: 'the gateway is not on this machine’s loopback' };
  }
  // 127.0.0.x is left to the user (127.0.1.1 is often the host name's address).
  const alias = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  const problem = await probe(gatewayUrl, alias);
  return problem
    ? { address: undefined, reason: `this system cannot send from ${alias} (${problem})` }
    : { address: alias, reason: 'a loopback alias of its own' };
}

/** Undefined when GET /health/live answers from `localAddress`, else what went wrong. */
async function probe(gatewayUrl: string, localAddress: string): Promise<string | undefined> {
  const agent = new Agent({ localAddress });
  try {
    const response = await request(`${gatewayUrl}/health/live`, {
      dispatcher: agent,
      signal: AbortSignal.timeout(5000),
    });
    await response.body.dump();
    return undefined;
  } catch (error) {
    const failure = error as Error & { code?: string };
    return failure.code ?? failure.message;
  } finally {
    await agent.close();
  }
}

/**
 * What a run leaves behind on an external stack's rate limits, said plainly: which client address spent
 * the budgets, and for how long they stay spent (the gateway's defaults; a stack may set its own).
 */
export function budgetNotice(gatewayUrl: string, source: SourceChoice): string[] {
  const who = source.address ?? 'this machine’s own address';
  const lines = [
    `rate limits at ${gatewayUrl}: the suite sent from ${who} (${source.reason}).`,
    `  burst spent its login budget there: logins from ${who} answer 429 for up to RATE_LIMIT_LOGIN_BLOCK_SECONDS`,
    '  (default 900 s), /auth/* for up to RATE_LIMIT_AUTH_DURATION_SECONDS (60 s), anonymous reads for up to',
    '  RATE_LIMIT_ANONYMOUS_DURATION_SECONDS (60 s). Signed-in users are limited per user, not per address.',
  ];
  lines.push(
    source.address === undefined
      ? '  That is your own address: wait that long, or restart the gateway (limits without REDIS_URL live in its memory).'
      : `  Your own address (127.0.0.1) was not spent; the next run picks another alias.`,
  );
  return lines;
}
