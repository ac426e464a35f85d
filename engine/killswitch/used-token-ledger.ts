// The control tokens already used, by their `jti`, so a captured token cannot be replayed while
// it is still valid. A ledger remembers a jti at least until the token's `exp` (control-token.ts
// caps a token's lifetime, so that is bounded). DirectoryTokenLedger persists each jti as one
// file, created exclusively (open with `wx`), so a restart does not forget what was used and two
// processes on the same state directory (a session and `quantflow killswitch reset`) cannot both
// claim the same token; expired entries are removed when the ledger opens. MemoryTokenLedger is
// the same in one process (a server started without a state directory: tests, embedding).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface UsedTokenLedger {
  /**
   * Records `jti` as used (by `who`, until `expiresAtSeconds`); false when it was used before,
   * in this process or, for a persistent ledger, in an earlier one.
   */
  claim(jti: string, expiresAtSeconds: number, who: string): boolean;
}

export class MemoryTokenLedger implements UsedTokenLedger {
  private readonly used = new Map<string, number>();

  claim(jti: string, expiresAtSeconds: number): boolean {
    const now = Date.now() / 1000;
    // Forget the expired ones now and then: the map stays as small as the live tokens.
    if (this.used.size >= 1024) for (const [key, exp] of this.used) if (exp < now) this.used.delete(key);
    if (this.used.has(jti)) return false;
    this.used.set(jti, expiresAtSeconds);
    return true;
  }
}

/** Where a configuration's used control tokens are kept: beside the kill-switch state. */
export function usedTokenLedgerPath(statePath: string): string {
  return path.join(statePath, 'used-control-tokens');
}

export class DirectoryTokenLedger implements UsedTokenLedger {
  private constructor(readonly dir: string) {}

  /**
   * Opens the ledger at `dir` and removes the entries of tokens that have expired; the directory
   * is created at the first claim (a session no token ever reached leaves nothing behind).
   */
  static open(dir: string): DirectoryTokenLedger {
    if (!existsSync(dir)) return new DirectoryTokenLedger(dir);
    const now = Date.now() / 1000;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(dir, name);
      try {
        const { exp } = JSON.parse(readFileSync(file, 'utf8')) as { exp?: unknown };
        if (typeof exp === 'number' && exp < now) rmSync(file, { force: true });
      } catch {
        // An unreadable entry is kept: forgetting a used token would reopen its replay.
      }
    }
    return new DirectoryTokenLedger(dir);
  }

  claim(jti: string, expiresAtSeconds: number, who: string): boolean {
    // The jti is the client's text: its hash names the file.
    const file = path.join(this.dir, `${createHash('sha256').update(jti, 'utf8').digest('hex')}.json`);
    mkdirSync(this.dir, { recursive: true });
    try {
      writeFileSync(file, `${JSON.stringify({ jti, exp: expiresAtSeconds, who, usedAt: new Date().toISOString() })}\n`, { flag: 'wx', flush: true });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }
}
