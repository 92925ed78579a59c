import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@shop/platform/runtime';
import type { NotificationSender, OutgoingMessage } from '../domain/ports.js';
import { logSender } from './log-sender.js';

/**
 * The local stand-in for an e-mail provider: appends each message as one JSON line to `file`
 * (`<DATA_DIR>/outbox-mail/notification-service.log` by default) and logs it like `logSender`.
 */
export function fileSender(options: { file: string; logger: Logger }): NotificationSender {
  const log = logSender(options.logger);
  let ready: Promise<unknown> | undefined;
  return {
    name: 'file',
    async send(message: OutgoingMessage) {
      ready ??= mkdir(dirname(options.file), { recursive: true });
      await ready;
      await appendFile(options.file, `${JSON.stringify({ sentAt: new Date().toISOString(), ...message })}\n`);
      await log.send(message);
    },
  };
}
