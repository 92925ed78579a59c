// The local service map shared by the launcher and the resilience suite's process runner.
export const SERVICES = [
  { name: 'customer-service', port: 5001, urlVar: 'CUSTOMER_SERVICE_URL' },
  { name: 'inventory-service', port: 5002, urlVar: 'INVENTORY_SERVICE_URL' },
  { name: 'order-service', port: 5003, urlVar: 'ORDER_SERVICE_URL' },
  { name: 'payment-service', port: 5004, urlVar: 'PAYMENT_SERVICE_URL' },
  { name: 'shipping-service', port: 5005, urlVar: 'SHIPPING_SERVICE_URL' },
  { name: 'notification-service', port: 5006, urlVar: 'NOTIFICATION_SERVICE_URL' },
  { name: 'api-gateway', port: 8080, urlVar: 'GATEWAY_URL' },
];

const PALETTE = [36, 32, 33, 35, 34, 31, 37];

/** One human-readable line for the terminal; the JSON original stays in data/logs/<service>.log. */
export function formatLine(service, line, color) {
  const index = SERVICES.findIndex((s) => s.name === service.name);
  const name = service.name.padEnd(20);
  const tag = color ? `\x1b[${PALETTE[index % PALETTE.length]}m${name}\x1b[0m` : name;
  if (!line.startsWith('{')) return `${tag} | ${line}`;
  try {
    const entry = JSON.parse(line);
    const level = entry['log.level'] ?? entry.log?.level ?? 'info';
    const corr = entry.correlationId ? ` [${String(entry.correlationId).slice(0, 8)}]` : '';
    return `${tag} | ${level.padEnd(5)} ${entry.message ?? ''}${corr}`;
  } catch {
    return `${tag} | ${line}`;
  }
}
