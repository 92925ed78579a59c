// `@shop/load-generator`: what the bench's end-to-end target uses of `npm run load` (the gateway client,
// setup, the budget mirror and the latency summary). Everything else is the command's own.
export { GatewayClient, type Reply } from './gateway-client.js';
export { BudgetMirror } from './budgets.js';
export { summarizeLatencies, SampleList, type LatencySummary } from './latency.js';
export { adminLogin, type Customer } from './accounts.js';
export { prepareCustomers, prepareProducts } from './setup.js';
export { APPROVING_CARD } from './flows.js';
export { loopbackCheck } from './target.js';
