import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { StackNotFoundError } from '@shop/platform/tools';
import { tempDir } from '@shop/platform/tools/testing';
import { isLoopbackAddress, loopbackCheck, resolveGateway } from '../src/target.js';

const dirs: { cleanup(): void }[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => dir.cleanup()));

function stackDir(gatewayUrl: string): string {
  const dir = tempDir('shop-load-target-');
  dirs.push(dir);
  writeFileSync(
    join(dir.path, 'stack.json'),
    JSON.stringify({
      gatewayUrl,
      dataDir: dir.path,
      logsDir: join(dir.path, 'logs'),
      transport: { kind: 'embedded', file: join(dir.path, 'events.db') },
      launcherPid: 4242,
    }),
  );
  return dir.path;
}

describe('resolveGateway', () => {
  test('When --gateway is given, then it wins over GATEWAY_URL and any stack', () => {
    const target = resolveGateway({
      gateway: 'http://127.0.0.1:9000/ignored/path',
      env: { GATEWAY_URL: 'http://127.0.0.1:8080', DATA_DIR: stackDir('http://127.0.0.1:8580') },
      command: 'load',
    });

    expect(target).toEqual({ url: 'http://127.0.0.1:9000', source: '--gateway' });
  });

  test('When only GATEWAY_URL is set, then it is the target', () => {
    const target = resolveGateway({ env: { GATEWAY_URL: 'http://localhost:8680' }, command: 'load' });

    expect(target).toEqual({ url: 'http://localhost:8680', source: 'GATEWAY_URL' });
  });

  test("When --dir names a stack, then its stack.json's gateway and launcher are used, even with GATEWAY_URL set", () => {
    const dir = stackDir('http://127.0.0.1:8580');
    const target = resolveGateway({ dir, env: { GATEWAY_URL: 'http://127.0.0.1:8080' }, command: 'load' });

    expect(target).toMatchObject({ url: 'http://127.0.0.1:8580', source: 'stack.json', launcherPid: 4242 });
  });

  test('When DATA_DIR has no stack.json, then the error says to start one or name the gateway', () => {
    const empty = tempDir('shop-load-empty-');
    dirs.push(empty);
    mkdirSync(join(empty.path, 'logs'));

    expect(() => resolveGateway({ env: { DATA_DIR: empty.path }, command: 'load' })).toThrow(
      StackNotFoundError,
    );
    expect(() => resolveGateway({ env: { DATA_DIR: empty.path }, command: 'load' })).toThrow(/GATEWAY_URL=/);
  });

  test('When the URL is not http(s), then it is refused with what was wrong', () => {
    expect(() => resolveGateway({ gateway: 'ftp://127.0.0.1', env: {}, command: 'load' })).toThrow(
      /not an http/,
    );
    expect(() => resolveGateway({ gateway: 'nonsense', env: {}, command: 'load' })).toThrow(/not a URL/);
  });
});

describe('loopback', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.83.12.201', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['192.168.1.20', false],
    ['::', false],
    ['localhost', false],
  ])('When the address is %s, then loopback is %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });

  test('When the gateway is named localhost, then its resolved addresses decide, and here they are loopback', async () => {
    expect((await loopbackCheck('http://localhost:8080')).loopback).toBe(true);
  });

  test('When the gateway is another machine, then it is not loopback', async () => {
    expect(await loopbackCheck('http://10.1.2.3:8080')).toEqual({ loopback: false, addresses: ['10.1.2.3'] });
  });
});
