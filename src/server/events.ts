/**
 * Live events: `GET /api/v1/pipelines/{pipeline}/events` streams the pipeline's ledger entries as
 * Server-Sent Events, each with its sequence number as the event id, so a client that reconnects
 * with `Last-Event-ID` (browsers do it by themselves) misses nothing and sees nothing twice. The
 * stream reads the database, not a replica's memory: an entry appended through any replica reaches
 * every subscriber of every replica within the poll interval.
 */
import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { ChainedEntry, WireEntry } from '../ledger/entry.js';
import type { LedgerStore } from '../ledger/ledger-store.js';

export interface EventStreamOptions {
  store: LedgerStore;
  pipeline: string;
  /** The last entry the client has (`Last-Event-ID`, or `?after=`); default: the head now (only new entries). */
  after?: number;
  /** How often the database is asked for new entries (default 500 ms). */
  pollMs?: number;
  /** Ends the stream (the server is stopping). */
  stopping: AbortSignal;
  /**
   * Asked every `recheckPolls` polls (default 10: every 5 s): false ends the stream, so a session
   * signed out, a token revoked or a grant withdrawn stops receiving entries.
   */
  stillAllowed?: () => Promise<boolean>;
  recheckPolls?: number;
  /** Called once when the stream ends, however it ends (the client left, an error, stopping). */
  onClose?: () => void;
}

/** What one event carries: the ledger entry as the chain holds it (without the hashed bytes). */
export function entryEvent(entry: ChainedEntry): WireEntry {
  return {
    pipeline: entry.pipeline,
    seq: entry.seq,
    kind: entry.kind,
    stage: entry.stage,
    artifact: entry.artifact,
    actor: entry.actor,
    at: entry.at,
    payload: entry.payload,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

const BATCH = 200;
const HEARTBEAT_MS = 15_000;

export function streamEntries(c: Context, options: EventStreamOptions): Response {
  const poll = options.pollMs ?? 500;
  return streamSSE(c, async (stream) => {
    try {
      await follow(stream);
    } finally {
      options.onClose?.();
    }
  });

  async function follow(stream: SSEStreamingApi): Promise<void> {
    let last = options.after ?? (await options.store.head(options.pipeline));
    let quietSince = Date.now();
    // A reconnecting client waits this long before it tries again.
    await stream.writeSSE({
      event: 'ready',
      data: JSON.stringify({ pipeline: options.pipeline, after: last }),
      retry: 2000,
    });
    let polls = 0;
    while (!stream.aborted && !options.stopping.aborted) {
      polls += 1;
      if (
        options.stillAllowed &&
        polls % (options.recheckPolls ?? 10) === 0 &&
        !(await options.stillAllowed())
      ) {
        // The client reconnects by itself, and is then answered 401 or 403.
        await stream.writeSSE({
          event: 'ended',
          data: JSON.stringify({ reason: 'the credential no longer holds' }),
        });
        break;
      }
      const entries = await options.store.entriesAfter(options.pipeline, last, BATCH);
      for (const entry of entries) {
        await stream.writeSSE({
          id: String(entry.seq),
          event: entry.kind,
          data: JSON.stringify(entryEvent(entry)),
        });
        last = entry.seq;
      }
      if (entries.length > 0) quietSince = Date.now();
      else if (Date.now() - quietSince > HEARTBEAT_MS) {
        // A comment line keeps proxies from closing a quiet stream.
        await stream.write(': keep-alive\n\n');
        quietSince = Date.now();
      }
      if (entries.length < BATCH) await stream.sleep(poll);
    }
  }
}
