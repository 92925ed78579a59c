import { execFile } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How a file was made read-only, and how to undo it. */
export interface ReadOnlyFile {
  how: string;
  restore(): Promise<void>;
}

/**
 * Makes `file` unwritable for every process that opens it from now on, as a failing disk remounted read-only
 * or a wrong permission would: without write permission for an unprivileged user; as root (whom permissions
 * do not stop) with a read-only bind mount of the file on itself. Undefined when neither is possible here.
 */
export async function makeReadOnly(file: string): Promise<ReadOnlyFile | undefined> {
  if (process.getuid?.() !== 0) {
    const mode = statSync(file).mode & 0o777;
    chmodSync(file, mode & ~0o222);
    return {
      how: 'write permission removed (chmod a-w)',
      restore: () => Promise.resolve(chmodSync(file, mode)),
    };
  }
  try {
    await run('mount', ['--bind', file, file]);
  } catch {
    return undefined;
  }
  try {
    await run('mount', ['-o', 'remount,ro,bind', file]);
  } catch {
    await run('umount', [file]).catch(() => undefined);
    return undefined;
  }
  return {
    how: 'read-only bind mount of the file (running as root)',
    restore: async () => {
      await run('umount', [file]);
    },
  };
}
