// What the repository's commands share, exported as `@shop/platform/tools` (the launcher imports it once built).
export * from './command-line.js';
export * from './console-line.js';
export * from './terminal-text.js';
export * from './settings-help.js';
export * from './stack-location.js';
export * from './text-table.js';
export * from './free-ports.js';
