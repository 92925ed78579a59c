import { UsageError } from '@shop/platform/tools';
import { z } from 'zod';
import { MAX_DURATION_MS, parseDuration } from './duration.js';
import { parseMix } from './flows.js';
import { defaultConcurrency, defaultCustomers } from './run.js';

const optional = () =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** The environment variables `npm run load` reads (listed by --help from these descriptions). */
export const environmentSchema = z.object({
  GATEWAY_URL: optional().describe(
    'The gateway to drive, e.g. $GW as npm start prints it (--gateway wins; without either, the stack.json of --dir, DATA_DIR or ./data).',
  ),
  DATA_DIR: optional().describe(
    'The data directory of a stack started with npm start; its stack.json names the gateway.',
  ),
  ADMIN_EMAIL: optional().describe(
    'Admin account used for setup (load products and their stock); default admin@shop.local, as npm start.',
  ),
  ADMIN_PASSWORD: optional().describe(
    'Its password (only from the environment: a command line is visible to every user of the machine). npm start prints it once when it creates the admin.',
  ),
});

export type LoadEnvironment = z.infer<typeof environmentSchema>;

/** The command-line options, as parseCommandLine takes them. */
export const OPTIONS = {
  rate: { type: 'string' },
  duration: { type: 'string' },
  gateway: { type: 'string' },
  dir: { type: 'string' },
  customers: { type: 'string' },
  concurrency: { type: 'string' },
  mix: { type: 'string' },
  'admin-email': { type: 'string' },
  'allow-remote': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DEFAULT_RATE = 10;
const MAX_RATE = 5000;
export const DEFAULT_DURATION = '1m';

export interface CommandOptions {
  rate?: string | undefined;
  duration?: string | undefined;
  gateway?: string | undefined;
  dir?: string | undefined;
  customers?: string | undefined;
  concurrency?: string | undefined;
  mix?: string | undefined;
  'admin-email'?: string | undefined;
  'allow-remote'?: boolean | undefined;
  json?: boolean | undefined;
}

/** What the options decide, before the target is known. */
export interface RunChoices {
  rate: number;
  durationMs: number;
  customers: number;
  concurrency: number;
  mix: Map<string, number>;
  adminEmail: string;
  allowRemote: boolean;
  json: boolean;
}

function wholeNumber(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

/** Turns the options into choices; a UsageError names the option that is wrong and why. */
export function runChoices(options: CommandOptions, environment: LoadEnvironment): RunChoices {
  const rateText = options.rate ?? String(DEFAULT_RATE);
  const rate = Number(rateText);
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_RATE) {
    throw new UsageError(
      `--rate must be a number of requests per second above 0 and at most ${MAX_RATE}, not "${rateText}"`,
    );
  }
  const durationText = options.duration ?? DEFAULT_DURATION;
  const durationMs = parseDuration(durationText);
  if (durationMs === undefined || durationMs < 1000 || durationMs > MAX_DURATION_MS) {
    throw new UsageError(`--duration must be from 1s to 24h (e.g. 90s, 5m, 1h30m), not "${durationText}"`);
  }
  const customers = wholeNumber('customers', options.customers, 1, 10_000) ?? defaultCustomers(rate);
  const concurrency =
    wholeNumber('concurrency', options.concurrency, 1, 1000) ?? defaultConcurrency(rate, customers);
  if (concurrency > customers) {
    throw new UsageError(
      `--concurrency ${concurrency} is more than --customers ${customers}: each flow in flight acts as a customer of its own`,
    );
  }
  return {
    rate,
    durationMs,
    customers,
    concurrency,
    mix: parseMix(options.mix),
    adminEmail: options['admin-email'] ?? environment.ADMIN_EMAIL ?? 'admin@shop.local',
    allowRemote: options['allow-remote'] === true,
    json: options.json === true,
  };
}
