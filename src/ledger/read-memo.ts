/**
 * Verified reads kept while the database is unchanged (`LedgerStore.whileUnchanged`). A server
 * answers the same reads again and again (a dashboard polling `status`, every request's token,
 * idle live-event streams): when not one row of the database changed since a read was verified,
 * reading and verifying the same rows again can only give the same answer, so the store answers
 * with the result it verified then.
 *
 * "Unchanged" is the database's own word, asked before every read: SQLite's `data_version` (moves
 * when any other connection — another process, `sqlite3` on the file, a tamperer — commits) and
 * `total_changes()` (every row this connection changed). Any change, anywhere in the database,
 * forgets everything kept, so an entry edited behind Tollgate's back is read and verified again at
 * the next read, exactly as without the memo. A backend that cannot say (PostgreSQL, where another
 * replica's commit is invisible to this one) keeps nothing: every read goes to the database.
 *
 * Kept results are frozen (deeply) and shared by every caller; each caller gets its own copy of a
 * returned array, so sorting or reversing it is safe.
 */
import { freezeDeep } from '../records.js';

/** Reads kept at most, per store: a bound on memory, not a tuning knob (a change forgets all). */
export const READ_MEMO_ENTRIES = 1024;

export class ReadMemo {
  private stamp: string | undefined;
  private readonly kept = new Map<string, unknown>();
  /** Reads answered from the memo, and reads that went to the database (tests, metrics). */
  hits = 0;
  misses = 0;

  /**
   * @param changeStamp what the database says about its changes, or undefined when it cannot
   *   (then nothing is kept)
   */
  constructor(private readonly changeStamp: (() => string | Promise<string>) | undefined) {}

  /** The result of `load` for `key`, read again only when the database changed since it was kept. */
  read<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.changeStamp) return load();
    const asked = this.changeStamp();
    // The database answered at once (no write of this connection open): a kept result is
    // answered without another turn through an async function.
    if (typeof asked === 'string' && asked === this.stamp && this.kept.has(key)) {
      this.hits++;
      return Promise.resolve(copied(this.kept.get(key) as T));
    }
    return this.readAt(key, asked, load);
  }

  /**
   * The result kept for `key`, when the database says at once (without waiting for a write of
   * this connection) that nothing changed since it was kept; else undefined, and nothing is
   * forgotten or read: {@link read} does that. Counted as a hit when it answers.
   */
  keptNow<T>(key: string): { value: T } | undefined {
    if (!this.changeStamp) return undefined;
    const asked = this.changeStamp();
    if (typeof asked !== 'string' || asked !== this.stamp || !this.kept.has(key)) return undefined;
    this.hits++;
    return { value: copied(this.kept.get(key) as T) };
  }

  private async readAt<T>(key: string, asked: string | Promise<string>, load: () => Promise<T>): Promise<T> {
    const stamp = typeof asked === 'string' ? asked : await asked;
    if (stamp !== this.stamp) {
      this.kept.clear();
      this.stamp = stamp;
    } else if (this.kept.has(key)) {
      this.hits++;
      return copied(this.kept.get(key) as T);
    }
    this.misses++;
    const value = freezeDeep(await load());
    // Kept only under the stamp read before the load: if the database changed meanwhile, a later
    // read sees another stamp and never gets this result.
    if (this.stamp === stamp) {
      if (this.kept.size >= READ_MEMO_ENTRIES) this.kept.clear();
      this.kept.set(key, value);
    }
    return copied(value);
  }

  /** Forgets everything (the store closes). */
  clear(): void {
    this.kept.clear();
    this.stamp = undefined;
  }
}

function copied<T>(value: T): T {
  return (Array.isArray(value) ? [...value] : value) as T;
}
