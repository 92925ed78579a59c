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
