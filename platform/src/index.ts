// `@shop/platform`: kept for code written before the named entry points (docs/service-shape.md#platform-entry-points).
// New code imports `@shop/platform/runtime`, `@shop/platform/contracts` or `@shop/platform/tools`.
export * from './runtime/index.js';
export * from './contracts/index.js';
