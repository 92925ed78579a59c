import { appendFile } from 'node:fs/promises';
import { restrictDataFile, type Logger } from '@shop/platform/runtime';
import type { NotificationSender, OutgoingMessage } from '../domain/ports.js';
import { logSender } from './log-sender.js';

/**
 * The local stand-in for an e-mail provider: appends each message as one JSON line to `file`
 * (`<DATA_DIR>/outbox-mail/notification-service.log` by default) and logs it like `logSender`. The file holds
 * addresses and message bodies, so it is created 0600 in a 0700 directory (and tightened if found wider), like
 * the databases.
 */
export function fileSender(options: { file: string; logger: Logger }): NotificationSender {
  const log = logSender(options.logger);
  let ready: Promise<unknown> | undefined;
  return {
    name: 'file',
    async send(message: OutgoingMessage) {
      // A failure (a directory that cannot be made) is tried again by the next message, not remembered.
      ready ??= Promise.resolve()
        .then(() => restrictDataFile(options.file))
        .catch((error: unknown) => {
          ready = undefined;
          throw error;
        });
      await ready;
      await appendFile(
        options.file,
        `${JSON.stringify({ sentAt: new Date().toISOString(), ...message })}\n`,
        {
          mode: 0o600,
        },
      );
      await log.send(message);
    },
  };
}
