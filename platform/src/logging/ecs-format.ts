import { createRequire, Module } from 'node:module';
import type { ecsFormat as EcsFormat } from '@elastic/ecs-winston-format';

const require = createRequire(import.meta.url);

/**
 * `@elastic/ecs-winston-format`'s `ecsFormat`, loaded without the Elastic APM agent. The format looks the agent
 * up with a `require('elastic-apm-node')` when it is loaded, for its APM integration; the platform turns
 * that integration off (`apmIntegration: false`), yet the lookup alone loads the agent and OpenTelemetry
 * (about 15 MB per process) wherever npm installed it as winston-elasticsearch's optional dependency. So the
 * lookup finds nothing, unless the agent is already running in this process (started with
 * `-r elastic-apm-node/start`), which it then gets as before. Other modules still load the real agent.
 */
function loadEcsFormat(): typeof EcsFormat {
  const formatFile = require.resolve('@elastic/ecs-winston-format');
  let agentFile: string | undefined;
  try {
    agentFile = createRequire(formatFile).resolve('elastic-apm-node');
  } catch {
    agentFile = undefined; // not installed (as in the images): nothing to hide
  }
  const cache = require.cache;
  const hide = agentFile !== undefined && cache[agentFile] === undefined;
  if (hide && agentFile !== undefined) {
    const placeholder = new Module(agentFile);
    placeholder.exports = null;
    placeholder.loaded = true;
    cache[agentFile] = placeholder;
  }
  try {
    return (require('@elastic/ecs-winston-format') as { ecsFormat: typeof EcsFormat }).ecsFormat;
  } finally {
    if (hide && agentFile !== undefined) delete cache[agentFile];
  }
}

export const ecsFormat = loadEcsFormat();
