import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_LIFETIME_SECONDS,
  openDatabase,
} from '@shop/platform/runtime';
import { locateStack, parseCommandLine, StackNotFoundError, UsageError } from '@shop/platform/tools';
import { createCustomerRepository } from '../data/customer-repository.js';
import { createRefreshTokenRepository } from '../data/refresh-token-repository.js';
import { createRevocationRepository } from '../data/revocation-repository.js';
import { transactionRunner } from '../data/transaction.js';
import { createPasswordHasher } from '../domain/password-hashing.js';
import { PasswordResetRefused, resetAdminPassword } from '../domain/password-reset.js';

const USAGE = `Usage: npm run admin -- <command> [options]

Administers the accounts of a stack's customer-service database (<data dir>/customer-service.db).
Safe while the stack runs.

Commands:
  list-admins      the admin accounts: e-mail, id, created
  reset-password   give an admin a new password and end its sessions (every refresh token is
                   revoked, and every access token within seconds); without --password-stdin a
                   strong password is generated and shown once

Options:
  --dir <dir>         the stack's data directory (default: $DATA_DIR, else ./data)
  --email <address>   reset-password: which admin (default: the only one)
  --password-stdin    reset-password: read the new password from stdin (it must pass the policy:
                      10+ characters, a letter and a digit, not the e-mail, not a common password)
  --help, -h          this text

Examples:
  npm run admin -- list-admins
  npm run admin -- reset-password
  npm run admin -- reset-password --email admin@shop.local --dir /tmp/shop2
  printf '%s' "$NEW_PASSWORD" | npm run admin -- reset-password --password-stdin

Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage.`;

export interface AdminCliIo {
  out(line: string): void;
  err(line: string): void;
  /** The whole of stdin (for --password-stdin). */
  readStdin(): string;
}

export async function runAdminCli(
  argv: readonly string[],
  env: {
    DATA_DIR?: string | undefined;
    ACCESS_TOKEN_MAX_LIFETIME_SECONDS?: string | undefined;
    JWT_CLOCK_SKEW_SECONDS?: string | undefined;
  },
  io: AdminCliIo,
): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, {
      dir: { type: 'string' },
      email: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (parsed.values.help === true) {
      io.out(USAGE);
      return 0;
    }
    const [command, extra] = parsed.positionals;
    if (command === undefined) throw new UsageError('a command is needed: list-admins or reset-password');
    if (command !== 'list-admins' && command !== 'reset-password') {
      throw new UsageError(`unknown command ${command}: use list-admins or reset-password`);
    }
    if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
    if (command === 'list-admins' && (parsed.values.email !== undefined || parsed.values['password-stdin'])) {
      throw new UsageError('--email and --password-stdin belong to reset-password');
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`admin: ${error.message}\n\n${USAGE}`);
    return 2;
  }

  const { values, positionals } = parsed;
  try {
    const { dataDir } = locateStack({ dir: values.dir, dataDirVariable: env.DATA_DIR, command: 'admin' });
    const file = join(dataDir, 'customer-service.db');
    if (!existsSync(file)) {
      io.err(
        `admin: ${file} does not exist: start the stack once (npm start) so customer-service creates it.`,
      );
      return 1;
    }
    const db = openDatabase(file);
    try {
      const customers = createCustomerRepository(db);
      if (positionals[0] === 'list-admins') {
        const admins = customers.listByRole('admin');
        for (const admin of admins) io.out(`${admin.email}  ${admin.id}  created ${admin.createdAt}`);
        io.out(`${admins.length} admin account(s) in ${file}`);
        return 0;
      }
      let password: string | undefined;
      if (values['password-stdin'] === true) {
        password = io.readStdin().replace(/\r?\n$/, '');
        if (password === '') {
          io.err('admin: --password-stdin read an empty password; pipe the new password in.');
          return 1;
        }
      }
      const result = await resetAdminPassword(
        {
          customers,
          refreshTokens: createRefreshTokenRepository(db),
          hasher: createPasswordHasher(),
          transaction: transactionRunner(db),
          clock: () => new Date(),
          revocations: createRevocationRepository(db),
          revocationLifetimeMs: revocationLifetimeMs(env),
        },
        { email: values.email, password },
      );
      io.out(
        `Password reset for ${result.admin.email} (${result.admin.id}); ` +
          `${result.revokedSessions} refresh token(s) revoked, so every session must log in again.`,
      );
      if (result.generatedPassword !== undefined) {
        io.out(`New password (shown only this once: store it now): ${result.generatedPassword}`);
      }
      io.out(
        'Access tokens issued before are refused as soon as the running services read the revocation (within seconds).',
      );
      return 0;
    } finally {
      db.close();
    }
  } catch (error) {
    if (error instanceof PasswordResetRefused || error instanceof StackNotFoundError) {
      io.err(`admin: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `npm run admin -- --help | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.exitCode = await runAdminCli(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readStdin: () => readFileSync(0, 'utf8'),
  });
}

/**
 * How long the reset's revocation is kept: the stack's longest access-token lifetime plus its clock skew, read
 * like the services read them. Never less than the defaults: keeping a revocation longer costs nothing, ending
 * it before the last token it refuses would bring that token back.
 */
function revocationLifetimeMs(env: Record<string, string | undefined>): number {
  const setting = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isInteger(value) && value > fallback ? value : fallback;
  };
  const lifetime = setting('ACCESS_TOKEN_MAX_LIFETIME_SECONDS', DEFAULT_MAX_LIFETIME_SECONDS);
  return (lifetime + setting('JWT_CLOCK_SKEW_SECONDS', DEFAULT_CLOCK_TOLERANCE_SECONDS)) * 1000;
}
