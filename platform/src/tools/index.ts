// `@shop/platform/tools`: what the repository's commands share (trace, events and backup CLIs, the launcher's
// helpers). The test helpers are `@shop/platform/tools/testing`, the backup CLI `@shop/platform/tools/backup`.
export * from '../cli/index.js';
