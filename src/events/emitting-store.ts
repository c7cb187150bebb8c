/**
 * A ledger store that emits CDEvents for what it records. It wraps any store: entries appended in a
 * write are collected, and once the transaction has committed their events are delivered to the
 * sinks in the background; `close()` waits for the deliveries (each bounded by the sinks' time
 * budget). A failed delivery is dead-lettered and warned about; it never fails the write, which has
 * already happened. The CLI wraps its store with this when TOLLGATE_EVENT_SINKS is set; a server
 * wraps its one store the same way.
 */
import type { Contract } from '../contract/types.js';
import type { ChainedEntry } from '../ledger/entry.js';
import type { LedgerStore, LedgerTransaction } from '../ledger/ledger-store.js';
import { cdEventsOf } from './cdevents.js';
import type { EventSinks } from './sinks.js';

export interface EmittingStoreOptions {
  sinks: EventSinks;
  /** The contract of a pipeline (for the artifact's repository in package URLs). */
  contractOf: (pipeline: string) => Contract | undefined;
  /** The events' source (default `/tollgate/<pipeline>`). */
  source?: string;
  /** Where warnings about undelivered events go. */
  warn: (line: string) => void;
}

const EMITTING = new Set(['promotion', 'rollback', 'approval']);

async function emitFor(
  store: LedgerStore,
  pipeline: string,
  entries: readonly ChainedEntry[],
  options: EmittingStoreOptions,
): Promise<void> {
  try {
    const contract = options.contractOf(pipeline);
    const events = [];
    for (const entry of entries) {
      if (!EMITTING.has(entry.kind)) continue;
      let previousDigest: string | undefined;
      if (entry.kind === 'promotion' && entry.stage) {
        const earlier = (await store.entriesForStage(pipeline, entry.stage, ['promotion'])).filter(
          (e) => e.seq < entry.seq,
        );
        previousDigest = earlier.at(-1)?.artifact ?? undefined;
      }
      events.push(
        ...cdEventsOf(entry, {
          pipeline,
          source: options.source ?? `/tollgate/${pipeline}`,
          artifactType: contract?.artifact.type ?? 'generic',
          ...(contract?.artifact.repository === undefined
            ? {}
            : { repository: contract.artifact.repository }),
          ...(previousDigest === undefined ? {} : { previousDigest }),
        }),
      );
    }
    const report = await options.sinks.deliver(events);
    for (const failure of report.failures)
      options.warn(`event not delivered (kept in the dead-letter file): ${failure}`);
  } catch (error) {
    options.warn(`events not emitted: ${(error as Error).message}`);
  }
}

/** Wraps `store` so that what it records is emitted as CDEvents. */
export function emittingStore(store: LedgerStore, options: EmittingStoreOptions): LedgerStore {
  const pending = new Set<Promise<void>>();
  const write: LedgerStore['write'] = async (pipeline, work) => {
    const appended: ChainedEntry[] = [];
    const result = await store.write(pipeline, (tx) => {
      const recording = new Proxy(tx, {
        get(target, key) {
          if (key === 'append') {
            return async (...args: Parameters<LedgerTransaction['append']>) => {
              const entry = await target.append(...args);
              appended.push(entry);
              return entry;
            };
          }
          const value = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return work(recording);
    });
    // Committed: now (and only now) the facts can be announced.
    if (appended.some((entry) => EMITTING.has(entry.kind))) {
      const delivery = emitFor(store, pipeline, appended, options).finally(() => pending.delete(delivery));
      pending.add(delivery);
    }
    return result;
  };
  const close = async () => {
    await Promise.all(pending);
    await store.close();
  };
  return new Proxy(store, {
    get(target, key) {
      if (key === 'write') return write;
      if (key === 'close') return close;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
