// `npm run load`: realistic user flows through the gateway at a bounded rate, for as long as asked, with
// a live progress line and a summary at the end (Ctrl-C stops early and still prints it).
import {
  describeSettings,
  parseCommandLine,
  printableLines,
  StackNotFoundError,
  UsageError,
} from '@shop/platform/tools';
import { SetupError } from './accounts.js';
import { FLOWS } from './flows.js';
import { progressLine, formatSummary } from './report.js';
import { runLoad, type LoadIo } from './run.js';
import {
  DEFAULT_DURATION,
  DEFAULT_RATE,
  environmentSchema,
  OPTIONS,
  runChoices,
  type CommandOptions,
} from './settings.js';
import { loopbackCheck, resolveGateway } from './target.js';

const USAGE = [
  'Usage: npm run load -- [--rate <req/s>] [--duration <time>] [options]',
  '',
  'Drives realistic user flows through the gateway of a running stack: browsing, signing up and in,',
  'orders (some with a declined card), cancellations, order history, notifications, token refreshes.',
  'Every request is paced: never more than --rate per second, for --duration after setup. A live line',
  'shows the rate, p50/p99 and unexpected answers by code; Ctrl-C stops early; a summary ends the run.',
  '',
  'Options:',
  `  --rate <n>            requests per second through the gateway, an upper bound (default ${DEFAULT_RATE})`,
  `  --duration <time>     how long the flows run after setup: 90s, 5m, 1h30m; at most 24h (default ${DEFAULT_DURATION})`,
  '  --gateway <url>       the gateway (default GATEWAY_URL, else the stack found as below)',
  '  --dir <dir>           data directory of a stack started with npm start (its stack.json names the gateway)',
  '  --customers <n>       customers signed up at setup, over whom flows are spread (default max(12, rate/5))',
  '  --concurrency <n>     flows in flight at once, each as its own customer (default min(customers, max(4, rate/2)))',
  '  --mix <flow=w,…>      change the weights of the mix, e.g. --mix order=50,browse-anonymous=0',
  '  --admin-email <email> admin account for setup (default ADMIN_EMAIL, else admin@shop.local)',
  '  --allow-remote        allow a gateway that is not on this machine (refused by default)',
  '  --json                print the summary as one JSON object instead of text',
  '  -h, --help            this help',
  '',
  'Environment:',
  ...describeSettings(environmentSchema),
  '',
  'Flows and their default weights:',
  ...FLOWS.map((flow) => `  ${flow.name.padEnd(18)}${String(flow.weight).padStart(3)}  ${flow.title}`),
  '',
  'Setup: the admin makes sure 8 products LOADGEN-1..8 exist with stock 1,000,000 (orders buy only those),',
  'and --customers accounts loadgen-<run>-<n>@load.test are signed up. The gateway keys its auth budget',
  '(sign-up, login, refresh: RATE_LIMIT_AUTH_POINTS, 30 a minute by default) and its anonymous budget',
  '(RATE_LIMIT_ANONYMOUS_POINTS) by client address: the generator reads them from the RateLimit-* headers',
  'and holds flows back rather than exceed them, and says so. Start the stack with a higher',
  'RATE_LIMIT_AUTH_POINTS for big runs. See docs/load.md.',
  '',
  'Exit codes: 0 the run ended (duration or Ctrl-C), 1 it could not run (no gateway, setup refused), 2 usage.',
].join('\n');

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

async function main(argv: readonly string[]): Promise<number> {
  let values: CommandOptions & { help?: boolean | undefined };
  try {
    const parsed = parseCommandLine(argv, OPTIONS);
    if (parsed.positionals.length > 0)
      throw new UsageError(`unexpected argument ${parsed.positionals[0] ?? ''}`);
    values = parsed.values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    out(USAGE);
    return 0;
  }

  const environment = environmentSchema.parse(process.env);
  let choices;
  try {
    choices = runChoices(values, environment);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`load: ${error.message}\n(npm run load -- --help lists the options)`);
    return 2;
  }
  if (environment.ADMIN_PASSWORD === undefined) {
    err(
      `load: set ADMIN_PASSWORD to the password of the stack's admin (${choices.adminEmail}): setup needs it to ` +
        'create the load products and set their stock. npm start printed it when it created the admin.\n' +
        '  ADMIN_PASSWORD=… npm run load -- …',
    );
    return 2;
  }

  let target;
  try {
    target = resolveGateway({ gateway: values.gateway, dir: values.dir, env: environment, command: 'load' });
  } catch (error) {
    if (!(error instanceof StackNotFoundError)) throw error;
    err(`load: ${error.message}`);
    return 1;
  }
  const where = await loopbackCheck(target.url);
  if (!where.loopback && !choices.allowRemote) {
    err(
      `load: refusing ${target.url} (from ${target.source}): it is not on this machine's loopback ` +
        `(${where.addresses.join(', ') || 'does not resolve'}). The generator signs up accounts and places ` +
        'real orders there. If it is a stack you run for testing, add --allow-remote.',
    );
    return 2;
  }

  const stop = new AbortController();
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches npm and this process, and npm forwards it once more: one press, two
    // signals a moment apart. Only a later one means "quit now".
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt > 500) process.exit(130);
      return;
    }
    firstSignalAt = Date.now();
    err(
      `\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping after the requests in flight (again to quit at once)`,
    );
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const live = process.stderr.isTTY;
  let lastPrinted = 0;
  const io: LoadIo = {
    info: (line) => {
      if (live && lastPrinted > 0) process.stderr.write('\r\x1b[K');
      err(`[load] ${printableLines(line)}`);
    },
    progress: (recorder, elapsedMs) => {
      const line = `[load] ${progressLine(recorder, elapsedMs, choices.durationMs, choices.rate)}`;
      if (live) {
        process.stderr.write(`\r\x1b[K${line}`);
        lastPrinted = Date.now();
      } else if (Date.now() - lastPrinted >= 10_000) {
        err(line);
        lastPrinted = Date.now();
      }
    },
  };

  try {
    const summary = await runLoad(
      {
        gatewayUrl: target.url,
        rate: choices.rate,
        durationMs: choices.durationMs,
        customers: choices.customers,
        concurrency: choices.concurrency,
        mix: choices.mix,
        admin: { email: choices.adminEmail, password: environment.ADMIN_PASSWORD },
      },
      io,
      stop.signal,
    );
    if (live) process.stderr.write('\n');
    out(choices.json ? JSON.stringify(summary) : `\n${printableLines(formatSummary(summary))}`);
    return 0;
  } catch (error) {
    if (live) process.stderr.write('\n');
    if (error instanceof SetupError) {
      err(`load: ${printableLines(error.message)}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
