#!/usr/bin/env node
// Runs the native TypeScript 7 compiler (installed as the `tsc7` alias). The plain
// `typescript` package stays on 6.x because typescript-eslint needs its JS API.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('tsc7/package.json')), 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
