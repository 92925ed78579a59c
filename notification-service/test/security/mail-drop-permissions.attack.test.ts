import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { tempDir } from '@shop/platform/tools/testing';
import {
  customerRegistered,
  startNotifications,
  WAIT,
  type RunningNotifications,
} from '../support/notification-harness.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

function mailTo(file: string, recipient: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes(`"recipient":"${recipient}"`);
  } catch {
    return false;
  }
}

describe('Attack: another local user reads the mail drop (e-mail addresses, names, order contents)', () => {
  const running: RunningNotifications[] = [];
  const dirs: { cleanup(): void }[] = [];
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    for (const dir of dirs.splice(0)) dir.cleanup();
  });

  test('When the first message is written, then the mail file is 0600 in a 0700 directory', async () => {
    const service = await startNotifications();
    running.push(service);
    const registered = customerRegistered();

    await service.publish(registered);
    await expect.poll(() => mailTo(service.mailFile, registered.data.email), WAIT).toBe(true);

    expect(modeOf(service.mailFile)).toBe(0o600);
    expect(modeOf(dirname(service.mailFile))).toBe(0o700);
  });

  test('When the mail file and its directory were left readable by others, then the next message tightens both', async () => {
    const dir = tempDir('mail-drop-');
    dirs.push(dir);
    const mailFile = join(dir.path, 'outbox', 'drop.log');
    mkdirSync(dirname(mailFile), { mode: 0o755 });
    chmodSync(dirname(mailFile), 0o755);
    writeFileSync(mailFile, '');
    chmodSync(mailFile, 0o644);
    const service = await startNotifications({ env: { NOTIFICATION_MAIL_FILE: mailFile } });
    running.push(service);
    const registered = customerRegistered();

    await service.publish(registered);
    await expect.poll(() => mailTo(mailFile, registered.data.email), WAIT).toBe(true);

    expect(modeOf(mailFile)).toBe(0o600);
    expect(modeOf(dirname(mailFile))).toBe(0o700);
  });
});
