// `node --import <this file>`: installs hooks.ts (the platform's tracing module replaced by no-op stubs).
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
