/**
 * Group commit: the writes to one pipeline that a process has waiting are made in one database
 * transaction. A server receiving many writes at once (16 CI jobs uploading test reports into one
 * pipeline) would otherwise run them one transaction each, one after the other under the
 * pipeline's lock, each paying for its own commit — on PostgreSQL a WAL flush to disk, the
 * largest part of a small write.
 *
 * Nothing about what each write sees or decides changes: the works run one after the other in
 * the order they came, each after the one before it (its appends, its remembered keys) in the same
 * transaction, so promotions into one stage are still decided one after the other. Each work runs
 * inside a savepoint: a work that fails is rolled back alone and its caller gets its error; the
 * others are committed together. Each caller's promise settles only once the whole transaction
 * has committed (or with the commit's error, when it did not: then nothing of the batch was
 * written). The first write when nothing waits runs alone at once, exactly as before; batches
 * form only from writes that arrive while a transaction of their pipeline is running.
 */
import { CompiledQuery } from 'kysely';
import type { SqlRunner } from './prepared-query.js';

/** Runs `body` in one transaction holding the pipeline's write lock (a dialect's `write`). */
export type Transaction = <T>(pipeline: string, body: (runner: SqlRunner) => Promise<T>) => Promise<T>;

/** Writes gathered into one transaction at most: a bound on how long one holds the lock. */
export const GROUP_COMMIT_MAX = 64;

const SAVEPOINT = 'savepoint tollgate_write';
const RELEASE = 'release savepoint tollgate_write';
const ROLLBACK_TO = 'rollback to savepoint tollgate_write';

/**
 * A work of a batch: the runner of the transaction, and what the works before it in the same
 * transaction left for the ones after (the chain's head they appended). Forgotten whenever a work
 * is rolled back to its savepoint.
 */
export type Work<T> = (runner: SqlRunner, shared: Map<string, unknown>) => Promise<T>;

interface Waiting {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class GroupCommit {
  private readonly waiting = new Map<string, Waiting[]>();
  /** Transactions run, and works committed in them (tests, benchmarks). */
  transactions = 0;
  works = 0;

  constructor(
    private readonly transaction: Transaction,
    private readonly max = GROUP_COMMIT_MAX,
    /**
     * True when the database takes several statements in one query (PostgreSQL's simple query
     * protocol): ending one work's savepoint and opening the next's is then one round trip.
     */
    private readonly joinStatements = false,
  ) {}

  /** Runs `work` in a transaction of `pipeline`, with the other works waiting for it. */
  run<T>(pipeline: string, work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: Waiting = { work, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.waiting.get(pipeline);
      if (queue) {
        queue.push(item);
        return;
      }
      const fresh = [item];
      this.waiting.set(pipeline, fresh);
      void this.drain(pipeline, fresh);
    });
  }

  private async drain(pipeline: string, queue: Waiting[]): Promise<void> {
    while (queue.length > 0) await this.commit(pipeline, queue.splice(0, this.max));
    this.waiting.delete(pipeline);
  }

  private async commit(pipeline: string, batch: Waiting[]): Promise<void> {
    this.transactions++;
    if (batch.length === 1) {
      const [only] = batch as [Waiting];
      try {
        only.resolve(await this.transaction(pipeline, (runner) => only.work(runner, new Map())));
        this.works++;
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    const outcomes: Array<{ value: unknown } | { error: unknown }> = [];
    try {
      await this.transaction(pipeline, async (runner) => {
        const shared = new Map<string, unknown>();
        const run = (...statements: string[]) =>
          this.joinStatements
            ? runner.execute(CompiledQuery.raw(statements.join('; ')))
            : statements.reduce<Promise<unknown>>(
                (done, statement) => done.then(() => runner.execute(CompiledQuery.raw(statement))),
                Promise.resolve(),
              );
        await run(SAVEPOINT);
        for (const [i, item] of batch.entries()) {
          // After each work its savepoint ends and, but for the last, the next one's begins.
          const next = i < batch.length - 1 ? [SAVEPOINT] : [];
          let outcome: { value: unknown } | { error: unknown };
          try {
            outcome = { value: await item.work(runner, shared) };
          } catch (error) {
            outcome = { error };
          }
          // A failed work only: what it wrote is undone, the works before it stay.
          if ('error' in outcome) {
            shared.clear();
            await run(ROLLBACK_TO, RELEASE, ...next);
          } else await run(RELEASE, ...next);
          outcomes.push(outcome);
        }
      });
    } catch (error) {
      // The transaction did not commit: nothing of the batch was written.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) item.reject(outcome.error);
      else {
        this.works++;
        item.resolve(outcome.value);
      }
    });
  }
}
