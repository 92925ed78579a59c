// `@shop/load-generator`: the gateway client, setup and budget mirror behind `npm run load`, also used by
// the bench's end-to-end target.
export { GatewayClient, outcomeKey, type Reply, type Quota, type CallOptions } from './gateway-client.js';
export { BudgetMirror, BUDGET_SETTING, type SharedBudget } from './budgets.js';
export { Pacer } from './pacer.js';
export { percentile, sortedSamples, summarizeLatencies, SampleList, type LatencySummary } from './latency.js';
export {
  adminLogin,
  CustomerPool,
  describeReply,
  SetupError,
  type Credentials,
  type Customer,
} from './accounts.js';
export { prepareCustomers, prepareProducts, LOAD_PRODUCT_STOCK } from './setup.js';
export { APPROVING_CARD, DECLINING_CARD } from './flows.js';
export { isLoopbackAddress, loopbackCheck, resolveGateway, type GatewayTarget } from './target.js';
