import { FakeInventory } from './fake-inventory.js';
import { FakePayment } from './fake-payment.js';
import { startOrderService, type HarnessOptions, type OrderServiceHarness } from './order-service-harness.js';

export const KEYBOARD = { id: 1, name: 'Mechanical Keyboard', priceCents: 8999 };
export const CABLE = { id: 2, name: 'USB-C Cable', priceCents: 1299 };

export interface Scenario {
  inventory: FakeInventory;
  payment: FakePayment;
  orders: OrderServiceHarness;
  stop(): Promise<void>;
}

/** Fresh fakes and a fresh order-service for one test: 10 keyboards, 5 cables. */
export async function startScenario(
  options: Omit<HarnessOptions, 'inventoryUrl' | 'paymentUrl'> & { paymentUrl?: string } = {},
): Promise<Scenario> {
  const inventory = await new FakeInventory({
    [KEYBOARD.id]: { name: KEYBOARD.name, priceCents: KEYBOARD.priceCents, stock: 10 },
    [CABLE.id]: { name: CABLE.name, priceCents: CABLE.priceCents, stock: 5 },
  }).start();
  const payment = await new FakePayment().start();
  const orders = await startOrderService({
    ...options,
    inventoryUrl: inventory.url,
    paymentUrl: options.paymentUrl ?? payment.url,
  });
  return {
    inventory,
    payment,
    orders,
    async stop() {
      await orders.stop();
      await Promise.all([inventory.stop(), payment.stop()]);
    },
  };
}
