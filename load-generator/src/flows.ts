import { randomInt } from 'node:crypto';
import {
  applyTokens,
  newAccount,
  signedOutCustomer,
  tokensOf,
  type Customer,
  type CustomerPool,
} from './accounts.js';
import type { BudgetMirror, SharedBudget } from './budgets.js';
import type { CallOptions, GatewayClient, Reply } from './gateway-client.js';
import type { Pacer } from './pacer.js';
import type { Recorder } from './recorder.js';
import { UsageError } from '@shop/platform/tools';

/** The card token payment-service declines (`tok_visa` and every other `tok_…` token approves). */
const DECLINING_CARD = 'tok_chargeDeclined';
export const APPROVING_CARD = 'tok_visa';

/** What every flow of a run shares. */
export interface FlowEnvironment {
  client: GatewayClient;
  pacer: Pacer;
  recorder: Recorder;
  budgets: BudgetMirror;
  pool: CustomerPool;
  /** The load products: the only ones orders buy. */
  products: readonly number[];
  /** Catalog pages seen so far (browsing picks a page among them). */
  catalogPages: number;
  signal: AbortSignal;
  runId: string;
  /** The next account number for a registration. */
  nextSequence(): number;
}

type Expectation = (reply: Reply) => boolean;

const status =
  (...accepted: number[]): Expectation =>
  (reply) =>
    accepted.includes(reply.status);

const statusOrError =
  (accepted: number[], codes: Record<number, string[]>): Expectation =>
  (reply) =>
    accepted.includes(reply.status) ||
    (reply.errorCode !== undefined && (codes[reply.status] ?? []).includes(reply.errorCode));

/** One run of one flow: its requests go out paced, are recorded, and mark the flow failed when unexpected. */
export class FlowRun {
  failed = false;

  constructor(
    readonly env: FlowEnvironment,
    readonly kind: string,
  ) {}

  /**
   * Sends one request in the run's pace. Undefined when the run is stopping (nothing was sent). `budget`
   * names the shared budget the route spends, so its RateLimit-* headers keep the mirror current.
   */
  async send(
    step: string,
    method: string,
    path: string,
    options: CallOptions & { expect: Expectation; budget?: SharedBudget },
  ): Promise<Reply | undefined> {
    if (!(await this.env.pacer.slot(this.env.signal))) return undefined;
    const reply = await this.env.client.call(method, path, options);
    if (options.budget !== undefined) {
      if (path === '/auth/login' && reply.status !== 429) this.env.budgets.charge(options.budget);
      else this.env.budgets.observe(options.budget, reply);
    }
    const expected = options.expect(reply);
    this.env.recorder.request(step, reply, expected);
    if (!expected) this.failed = true;
    return reply;
  }
}

export interface FlowDefinition {
  name: string;
  /** Default share of the mix (relative to the others). */
  weight: number;
  /** One line for --help. */
  title: string;
  /** A shared budget the flow spends and how many of its points: held back when they are not there. */
  budget?: { name: SharedBudget; points: number };
  /** Acts as a customer of the pool (checked out for the flow's duration). */
  signedIn: boolean;
  run(run: FlowRun, customer: Customer | undefined): Promise<void>;
}

function bodyRecord(reply: Reply | undefined): Record<string, unknown> {
  return typeof reply?.body === 'object' && reply.body !== null
    ? (reply.body as Record<string, unknown>)
    : {};
}

function idsOf(reply: Reply | undefined): (string | number)[] {
  const data = bodyRecord(reply).data;
  if (!Array.isArray(data)) return [];
  return data
    .map((row) => (typeof row === 'object' && row !== null ? (row as { id?: unknown }).id : undefined))
    .filter((id): id is string | number => typeof id === 'string' || typeof id === 'number');
}

function pick<T>(values: readonly T[]): T | undefined {
  return values.length === 0 ? undefined : values[randomInt(values.length)];
}

/** A copy in random order (Fisher-Yates). */
export function shuffled<T>(values: readonly T[]): T[] {
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

function remember(customer: Customer, orderId: unknown): void {
  if (typeof orderId !== 'string') return;
  customer.orders.push(orderId);
  if (customer.orders.length > 5) customer.orders.shift();
}

const SORTS = ['', 'name', '-price', 'price', '-createdAt'];

/** A listing page, then one or two of its products: what a shopper looking around does. */
async function browseCatalog(run: FlowRun, token: string | undefined, details: number): Promise<void> {
  const env = run.env;
  const query = new URLSearchParams({ page: String(1 + randomInt(env.catalogPages)), limit: '20' });
  const sort = pick(SORTS);
  if (sort) query.set('sort', sort);
  const budget = token === undefined ? 'anonymous' : undefined;
  const listing = await run.send('GET /api/products', 'GET', `/api/products?${query.toString()}`, {
    token,
    expect: status(200),
    ...(budget && { budget }),
  });
  const total = Number((bodyRecord(listing).pagination as { total?: unknown } | undefined)?.total);
  if (Number.isFinite(total) && total > 0) env.catalogPages = Math.max(1, Math.ceil(total / 20));
  const ids = idsOf(listing);
  for (let n = 0; n < details; n += 1) {
    const id = pick(ids) ?? pick(env.products);
    if (id === undefined) return;
    const viewed = await run.send('GET /api/products/:id', 'GET', `/api/products/${id}`, {
      token,
      expect: status(200),
      ...(budget && { budget }),
    });
    if (viewed?.status === 200) env.recorder.count('productsViewed');
  }
}

function orderBody(env: FlowEnvironment, card: string): unknown {
  const lines = Math.min(env.products.length, 1 + randomInt(3));
  const chosen = shuffled(env.products).slice(0, lines);
  return {
    items: chosen.map((productId) => ({ productId, quantity: 1 + randomInt(3) })),
    payment: { token: card },
  };
}

/** POST /api/orders with an approving card; counts CONFIRMED (201) and PENDING (202). */
async function placeOrder(run: FlowRun, customer: Customer): Promise<string | undefined> {
  const reply = await run.send('POST /api/orders', 'POST', '/api/orders', {
    token: customer.accessToken,
    body: orderBody(run.env, APPROVING_CARD),
    expect: status(201, 202),
  });
  const order = bodyRecord(reply);
  if (reply?.status === 201 && order.status === 'CONFIRMED') run.env.recorder.count('ordersConfirmed');
  if (reply?.status === 202) run.env.recorder.count('ordersPending');
  if (reply?.status !== 201 && reply?.status !== 202) return undefined;
  remember(customer, order.id);
  return typeof order.id === 'string' ? order.id : undefined;
}

/** The flows, with their default weights. */
export const FLOWS: readonly FlowDefinition[] = [
  {
    name: 'browse',
    weight: 25,
    title: 'a signed-in customer lists products and looks at one or two',
    signedIn: true,
    run: (run, customer) => browseCatalog(run, customer?.accessToken, 1 + randomInt(2)),
  },
  {
    name: 'browse-anonymous',
    weight: 10,
    title: 'a visitor without an account lists products and looks at one',
    budget: { name: 'anonymous', points: 2 },
    signedIn: false,
    run: (run) => browseCatalog(run, undefined, 1),
  },
  {
    name: 'order',
    weight: 25,
    title: 'looks at a product, orders one to three of them with an approving card, checks the order',
    signedIn: true,
    async run(run, customer) {
      if (customer === undefined) return;
      const product = pick(run.env.products);
      if (product !== undefined) {
        await run.send('GET /api/products/:id', 'GET', `/api/products/${product}`, {
          token: customer.accessToken,
          expect: status(200),
        });
      }
      const orderId = await placeOrder(run, customer);
      if (orderId === undefined) return;
      await run.send('GET /api/orders/:id', 'GET', `/api/orders/${orderId}`, {
        token: customer.accessToken,
        expect: status(200),
      });
    },
  },
  {
    name: 'declined-card',
    weight: 4,
    title: `orders with the card payment-service declines (${DECLINING_CARD}: 402 payment_declined, expected)`,
    signedIn: true,
    async run(run, customer) {
      if (customer === undefined) return;
      const reply = await run.send('POST /api/orders', 'POST', '/api/orders', {
        token: customer.accessToken,
        body: orderBody(run.env, DECLINING_CARD),
        expect: statusOrError([], { 402: ['payment_declined'] }),
      });
      if (reply?.status !== 402) return;
      run.env.recorder.count('ordersDeclined');
      const details = (bodyRecord(reply).error as { details?: { orderId?: unknown } } | undefined)?.details;
      if (typeof details?.orderId !== 'string') return;
      remember(customer, details.orderId);
      await run.send('GET /api/orders/:id', 'GET', `/api/orders/${details.orderId}`, {
        token: customer.accessToken,
        expect: status(200),
      });
    },
  },
  {
    name: 'cancel',
    weight: 5,
    title: 'orders, then cancels the order (refund and restock)',
    signedIn: true,
    async run(run, customer) {
      if (customer === undefined) return;
      const orderId = await placeOrder(run, customer);
      if (orderId === undefined) return;
      // Shipped meanwhile, or still in its saga: the platform refuses, as it should.
      const reply = await run.send('POST /api/orders/:id/cancel', 'POST', `/api/orders/${orderId}/cancel`, {
        token: customer.accessToken,
        expect: statusOrError([200], { 409: ['order_not_cancellable', 'order_in_progress'] }),
      });
      if (reply?.status === 200) run.env.recorder.count('ordersCancelled');
    },
  },
  {
    name: 'order-history',
    weight: 10,
    title: "lists the customer's orders, opens one with its payment and shipment",
    signedIn: true,
    async run(run, customer) {
      if (customer === undefined) return;
      const listing = await run.send('GET /api/orders', 'GET', '/api/orders?limit=10', {
        token: customer.accessToken,
        expect: status(200),
      });
      const orderId = pick(idsOf(listing)) ?? pick(customer.orders);
      if (orderId === undefined) return;
      await run.send('GET /api/orders/:id', 'GET', `/api/orders/${orderId}`, {
        token: customer.accessToken,
        expect: status(200),
      });
      // An order cancelled before payment has no payment (404): both answers are right.
      await run.send('GET /api/payments', 'GET', `/api/payments?orderId=${orderId}`, {
        token: customer.accessToken,
        expect: statusOrError([200], { 404: ['not_found'] }),
      });
      await run.send('GET /api/shipments', 'GET', `/api/shipments?orderId=${orderId}`, {
        token: customer.accessToken,
        expect: statusOrError([200], { 404: ['not_found'] }),
      });
    },
  },
  {
    name: 'notifications',
    weight: 10,
    title: 'reads the notifications (order confirmations, welcome) and opens one',
    signedIn: true,
    async run(run, customer) {
      if (customer === undefined) return;
      const listing = await run.send('GET /api/notifications', 'GET', '/api/notifications?limit=20', {
        token: customer.accessToken,
        expect: status(200),
      });
      const ids = idsOf(listing);
      run.env.recorder.count('notificationsRead', ids.length);
      const id = pick(ids);
      if (id === undefined) return;
      await run.send('GET /api/notifications/:id', 'GET', `/api/notifications/${id}`, {
        token: customer.accessToken,
        expect: status(200),
      });
    },
  },
  {
    name: 'profile',
    weight: 4,
    title: 'reads the customer profile',
    signedIn: true,
    async run(run, customer) {
      if (customer === undefined) return;
      await run.send('GET /api/customers/me', 'GET', '/api/customers/me', {
        token: customer.accessToken,
        expect: status(200),
      });
    },
  },
  {
    name: 'refresh',
    weight: 3,
    title: 'refreshes the session (the refresh token rotates)',
    budget: { name: 'auth', points: 1 },
    signedIn: true,
    async run(run, customer) {
      if (customer !== undefined) await refreshSession(run, customer);
    },
  },
  {
    name: 're-login',
    weight: 2,
    title: 'signs out (the session is revoked) and signs in again',
    budget: { name: 'auth', points: 2 },
    signedIn: true,
    async run(run, customer) {
      if (customer === undefined) return;
      const out = await run.send('POST /auth/logout', 'POST', '/auth/logout', {
        token: customer.accessToken,
        body: { refreshToken: customer.refreshToken },
        expect: status(204),
        budget: 'auth',
      });
      if (out?.status !== 204) return;
      run.env.recorder.count('logouts');
      // Signed out: until the login below succeeds, this customer needs one before its next flow.
      customer.accessExpiresAt = 0;
      await logIn(run, customer);
    },
  },
  {
    name: 'register',
    weight: 2,
    title: 'a new customer signs up and signs in (then joins the pool)',
    budget: { name: 'auth', points: 2 },
    signedIn: false,
    async run(run) {
      const account = newAccount(run.env.runId, run.env.nextSequence());
      const registered = await run.send('POST /auth/register', 'POST', '/auth/register', {
        body: account,
        expect: status(201),
        budget: 'auth',
      });
      if (registered?.status !== 201) return;
      run.env.recorder.count('customersRegistered');
      const customer = signedOutCustomer(account);
      if (await logIn(run, customer)) run.env.pool.add(customer);
    },
  },
];

/** POST /auth/login for a customer of the pool; true when it is signed in afterwards. */
export async function logIn(run: FlowRun, customer: Customer): Promise<boolean> {
  const reply = await run.send('POST /auth/login', 'POST', '/auth/login', {
    body: { email: customer.email, password: customer.password },
    expect: status(200),
    budget: 'auth',
  });
  const tokens = reply === undefined ? undefined : tokensOf(reply);
  if (tokens === undefined) return false;
  applyTokens(customer, tokens);
  run.env.recorder.count('logins');
  return true;
}

/** POST /auth/refresh; a refused refresh falls back to a login (one more auth point). */
export async function refreshSession(run: FlowRun, customer: Customer): Promise<boolean> {
  const reply = await run.send('POST /auth/refresh', 'POST', '/auth/refresh', {
    body: { refreshToken: customer.refreshToken },
    expect: status(200),
    budget: 'auth',
  });
  const tokens = reply === undefined ? undefined : tokensOf(reply);
  if (tokens === undefined) return false;
  applyTokens(customer, tokens);
  run.env.recorder.count('tokenRefreshes');
  return true;
}

/**
 * The mix: the given weights over FLOWS' defaults (`order=50,browse=0`). Unknown names and bad weights
 * are refused with the list of flows.
 */
export function parseMix(text: string | undefined): Map<string, number> {
  const weights = new Map(FLOWS.map((flow) => [flow.name, flow.weight]));
  if (text === undefined || text.trim() === '') return weights;
  for (const part of text.split(',')) {
    const [name = '', value = ''] = part.split('=').map((piece) => piece.trim());
    if (!weights.has(name)) {
      throw new UsageError(
        `--mix: no flow named "${name}"; the flows are ${FLOWS.map((f) => f.name).join(', ')}`,
      );
    }
    const weight = Number(value);
    if (value === '' || !Number.isInteger(weight) || weight < 0) {
      throw new UsageError(`--mix: the weight of ${name} must be a whole number >= 0, not "${value}"`);
    }
    weights.set(name, weight);
  }
  if ([...weights.values()].every((weight) => weight === 0)) {
    throw new UsageError('--mix: at least one flow needs a weight above 0');
  }
  return weights;
}
