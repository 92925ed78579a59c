import type { AuthUser } from './tokens.js';

/**
 * One revocation as the feed carries it: every access token of `customerId` issued before `revokedAtMs` is
 * refused, until `expiresAtMs` (by then every such token has expired anyway: no token lives longer than the
 * maximum access-token lifetime, see tokens.ts).
 */
export interface RevocationEntry {
  customerId: string;
  revokedAtMs: number;
  expiresAtMs: number;
}

/**
 * The revocations a process knows about, in memory, keyed by subject: checking a token is one map lookup,
 * never a database or network call. Entries are dropped once they expire; at most one per subject is kept
 * (the latest revocation covers every earlier one).
 */
export class RevocationList {
  private readonly bySubject = new Map<string, { revokedAtMs: number; expiresAtMs: number }>();
  private sweptAtMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  add(entry: RevocationEntry): void {
    const known = this.bySubject.get(entry.customerId);
    if (known === undefined) {
      this.bySubject.set(entry.customerId, {
        revokedAtMs: entry.revokedAtMs,
        expiresAtMs: entry.expiresAtMs,
      });
      return;
    }
    known.revokedAtMs = Math.max(known.revokedAtMs, entry.revokedAtMs);
    known.expiresAtMs = Math.max(known.expiresAtMs, entry.expiresAtMs);
  }

  /** True when `user`'s token was issued before a revocation of its subject that is still in force. */
  isRevoked(user: AuthUser): boolean {
    if (this.bySubject.size === 0) return false;
    const entry = this.bySubject.get(user.id);
    if (entry === undefined) return false;
    const now = this.now();
    if (entry.expiresAtMs <= now) {
      this.bySubject.delete(user.id);
      return false;
    }
    return (user.issuedAtMs ?? 0) < entry.revokedAtMs;
  }

  /** Forgets expired entries (called by the feed after each poll, at most once a minute). */
  sweep(): void {
    const now = this.now();
    if (now - this.sweptAtMs < 60_000) return;
    this.sweptAtMs = now;
    for (const [subject, entry] of this.bySubject)
      if (entry.expiresAtMs <= now) this.bySubject.delete(subject);
  }

  get size(): number {
    return this.bySubject.size;
  }
}
