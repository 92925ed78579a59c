import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { baseConfigShape, ConfigError, env, parseConfig, resolveJwtSecret, z } from '../src/runtime/index.js';
import { tempDir } from '../src/testing/index.js';

const schema = z.object({ ...baseConfigShape, PORT: env.port(5001) });

describe('parseConfig', () => {
  test('When nothing is set, then the defaults apply', () => {
    const config = parseConfig(schema, {});
    expect(config).toMatchObject({
      PORT: 5001,
      NODE_ENV: 'development',
      CHAOS_ENABLED: false,
      DATA_DIR: './data',
    });
  });

  test('When values are invalid, then one ConfigError line names each of them', () => {
    expect(() => parseConfig(schema, { PORT: 'eighty', CHAOS_ENABLED: 'maybe' })).toThrowError(ConfigError);
    try {
      parseConfig(schema, { PORT: 'eighty', CHAOS_ENABLED: 'maybe' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/CHAOS_ENABLED/);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('resolveJwtSecret', () => {
  test('When production has no secret or a weak one, then it refuses to start', () => {
    expect(() =>
      resolveJwtSecret({ nodeEnv: 'production', secret: undefined, dataDir: '/nonexistent' }),
    ).toThrowError(/JWT_SECRET is required/);
    expect(() => resolveJwtSecret({ nodeEnv: 'production', secret: 'short', dataDir: '/x' })).toThrowError(
      /32 bytes/,
    );
  });

  test('When local services start without a secret, then they all share one generated file', () => {
    const dir = tempDir();
    try {
      const first = resolveJwtSecret({ nodeEnv: 'development', secret: undefined, dataDir: dir.path });
      const second = resolveJwtSecret({ nodeEnv: 'development', secret: undefined, dataDir: dir.path });
      expect(first).toBe(second);
      expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
      expect(readFileSync(join(dir.path, 'jwt-secret'), 'utf8')).toBe(first);
    } finally {
      dir.cleanup();
    }
  });
});
