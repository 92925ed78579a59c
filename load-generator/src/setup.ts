import { setTimeout as sleep } from 'node:timers/promises';
import {
  applyTokens,
  describeReply,
  newAccount,
  SetupError,
  signedOutCustomer,
  tokensOf,
  type Customer,
} from './accounts.js';
import { BUDGET_SETTING, type BudgetMirror } from './budgets.js';
import type { GatewayClient, Reply } from './gateway-client.js';

/** The products the generator orders: its own, so a stack's catalog keeps its stock. */
const LOAD_PRODUCT_PREFIX = 'LOADGEN-';
const LOAD_PRODUCT_NAME = 'Load generator item';
/** Stock each load product is set to at setup (inventory's ceiling). */
const LOAD_PRODUCT_STOCK = 1_000_000;

interface ProductRow {
  id: number;
  sku: string;
  stock: number;
}

function productRows(body: unknown): ProductRow[] {
  const data = (body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) return [];
  return data.filter(
    (row): row is ProductRow =>
      typeof row === 'object' &&
      row !== null &&
      typeof (row as ProductRow).id === 'number' &&
      typeof (row as ProductRow).sku === 'string',
  );
}

/**
 * Makes sure `count` load products exist (`LOADGEN-1`…, created once per stack and reused by later runs)
 * and sets each one's stock to LOAD_PRODUCT_STOCK. Needs an admin token. Returns their ids.
 */
export async function prepareProducts(
  client: GatewayClient,
  adminToken: string,
  count: number,
): Promise<number[]> {
  const search = new URLSearchParams({ q: LOAD_PRODUCT_NAME, limit: '100' });
  const listing = await client.call('GET', `/api/products?${search.toString()}`, { token: adminToken });
  if (listing.status !== 200) {
    throw new SetupError(`listing products failed: ${describeReply(listing)}`);
  }
  const existing = new Map(productRows(listing.body).map((row) => [row.sku, row]));
  const ids: number[] = [];
  for (let n = 1; n <= count; n += 1) {
    const sku = `${LOAD_PRODUCT_PREFIX}${n}`;
    let product = existing.get(sku);
    if (product === undefined) {
      const created = await client.call('POST', '/api/products', {
        token: adminToken,
        body: {
          sku,
          name: `${LOAD_PRODUCT_NAME} ${n}`,
          description: 'Created by npm run load; the load generator orders only these products.',
          priceCents: 500 + n * 250,
          stock: LOAD_PRODUCT_STOCK,
        },
      });
      if (created.status !== 201) {
        throw new SetupError(`creating load product ${sku} failed: ${describeReply(created)}`);
      }
      product = created.body as ProductRow;
    } else if (product.stock < LOAD_PRODUCT_STOCK) {
      const topped = await client.call('PATCH', `/api/products/${product.id}/stock`, {
        token: adminToken,
        body: { stock: LOAD_PRODUCT_STOCK },
      });
      if (topped.status !== 200) {
        throw new SetupError(`setting the stock of ${sku} failed: ${describeReply(topped)}`);
      }
    }
    ids.push(product.id);
  }
  return ids;
}

export interface CustomerSetupOptions {
  runId: string;
  /** Account numbers start here (later registrations continue the sequence). */
  firstSequence: number;
  count: number;
  /** Registrations in flight at once (each is a password hash at customer-service). */
  parallel?: number;
  signal: AbortSignal;
  /**
   * Called after each account, and with a reason while waiting for the auth budget or when a budget behind
   * the gateway ends setup early.
   */
  onProgress(done: number, waiting?: string): void;
}

/**
 * A 429 the gateway let through (its RateLimit-Remaining still above 0, or no quota at all): a budget behind
 * it refused, customer-service's own per-address sign-up budget (RATE_LIMIT_REGISTER_POINTS, 10 an hour by
 * default) or its login budgets. Waiting for the gateway's window cannot help, and retrying at once would
 * only spend the gateway's auth budget on refusals.
 */
function refusedBehindGateway(reply: Reply): boolean {
  return reply.status === 429 && (reply.quota === undefined || reply.quota.remaining > 0);
}

function behindGatewayReason(path: string, reply: Reply): string {
  const what = path === '/auth/register' ? 'sign-ups' : 'logins';
  const budget =
    path === '/auth/register'
      ? 'RATE_LIMIT_REGISTER_POINTS, 10 an hour per address by default'
      : 'RATE_LIMIT_LOGIN_IP_POINTS / RATE_LIMIT_LOGIN_EMAIL_POINTS';
  const retry = reply.retryAfterSeconds === undefined ? '' : `, for ${reply.retryAfterSeconds} s more`;
  return `customer-service refuses ${what} from this address (its own budget: ${budget})${retry}`;
}

/**
 * Registers and logs in `count` customers. Each costs two requests of the gateway's per-address auth
 * budget; when the mirror says it is spent, setup waits for the window to reset (saying so) rather than
 * collect 429s, and a 429 that still comes is waited out and retried. A 429 from behind the gateway
 * (customer-service's own sign-up budget) ends setup at once: with the customers made so far when there
 * are any (saying so), else with a SetupError that names the setting. Stops early, with the customers made
 * so far, when `signal` aborts.
 */
export async function prepareCustomers(
  client: GatewayClient,
  budgets: BudgetMirror,
  options: CustomerSetupOptions,
): Promise<Customer[]> {
  const customers: Customer[] = [];
  let next = 0;
  let lastWaitNotice = 0;
  /** Why a budget behind the gateway ended setup, once one did. */
  let refusedBehind: string | undefined;

  async function budgetFree(): Promise<boolean> {
    while (!budgets.take('auth', 1)) {
      const waitMs = Math.max(250, budgets.msUntilReset('auth'));
      if (Date.now() - lastWaitNotice > 5000) {
        lastWaitNotice = Date.now();
        options.onProgress(
          customers.length,
          `the gateway's auth budget for this address is spent (${budgets.state('auth')?.limit ?? '?'} ` +
            `per window, ${BUDGET_SETTING.auth}); waiting ${Math.ceil(waitMs / 1000)} s for it to reset`,
        );
      }
      try {
        await sleep(Math.min(waitMs, 1000), undefined, { signal: options.signal });
      } catch {
        return false;
      }
    }
    return true;
  }

  /**
   * One auth request within the budget, retried after the gateway's own 429; undefined when the run was
   * stopped or a budget behind the gateway refused it.
   */
  async function authCall(path: string, body: unknown): Promise<Reply | undefined> {
    for (;;) {
      if (options.signal.aborted || !(await budgetFree())) return undefined;
      let reply: Reply;
      try {
        reply = await client.call('POST', path, { body });
        if (path === '/auth/login' && reply.status !== 429) budgets.charge('auth');
        else budgets.observe('auth', reply);
      } finally {
        budgets.release('auth', 1);
      }
      if (reply.status !== 429) return reply;
      if (refusedBehindGateway(reply)) {
        refusedBehind ??= behindGatewayReason(path, reply);
        return undefined;
      }
    }
  }

  async function registerOne(sequence: number): Promise<void> {
    const account = newAccount(options.runId, sequence);
    const registered = await authCall('/auth/register', account);
    if (registered === undefined) return;
    if (registered.status !== 201) {
      throw new SetupError(`registering ${account.email} failed: ${describeReply(registered)}`);
    }
    const loggedIn = await authCall('/auth/login', { email: account.email, password: account.password });
    if (loggedIn === undefined) return;
    const tokens = tokensOf(loggedIn);
    if (tokens === undefined) {
      throw new SetupError(`logging in ${account.email} failed: ${describeReply(loggedIn)}`);
    }
    const customer = signedOutCustomer(account);
    applyTokens(customer, tokens);
    customers.push(customer);
    options.onProgress(customers.length);
  }

  async function worker(): Promise<void> {
    while (next < options.count && !options.signal.aborted && refusedBehind === undefined) {
      const sequence = options.firstSequence + next;
      next += 1;
      await registerOne(sequence);
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 4) }, () => worker()));
  if (refusedBehind !== undefined) {
    if (customers.length === 0) {
      throw new SetupError(
        `${refusedBehind}: no customer could be signed up; start the stack with a higher ` +
          'RATE_LIMIT_REGISTER_POINTS, or wait for that window',
      );
    }
    options.onProgress(customers.length, `${refusedBehind}: going on with ${customers.length} customers`);
  }
  return customers;
}
