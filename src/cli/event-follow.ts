/**
 * `tollgate watch --server`: follows a pipeline's ledger entries as the server streams them
 * (Server-Sent Events, GET /api/v1/pipelines/{pipeline}/events). Each entry's id is its sequence
 * number; after a dropped connection (a replica restarted, a proxy's timeout, the network) the
 * stream is opened again with `Last-Event-ID` set to the last entry seen, so nothing is missed and
 * — since sequence numbers only grow — nothing is shown twice.
 */
import { TollgateError } from '../errors.js';
import type { WireEntry } from '../ledger/entry.js';
import type { Remote } from './remote.js';

/** One event of a Server-Sent Events stream. */
export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
  retry?: number;
}

/**
 * The events of an SSE body, as the WHATWG rules read it: `field: value` lines (one optional
 * space after the colon), `:` comments, several `data:` lines joined by newlines, an event
 * dispatched at a blank line, lines ended by CRLF, LF or CR. An event cut off by the end of the
 * stream is dropped, as browsers drop it.
 */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let retry: number | undefined;
  const line = (text: string): ServerEvent | undefined => {
    if (text === '') {
      const out =
        data.length === 0 && id === undefined && retry === undefined
          ? undefined
          : {
              event: event || 'message',
              data: data.join('\n'),
              ...(id === undefined ? {} : { id }),
              ...(retry === undefined ? {} : { retry }),
            };
      event = '';
      data = [];
      id = undefined;
      retry = undefined;
      return out;
    }
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    return undefined;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      // A CR at the very end may be half of a CRLF: wait for the next chunk.
      if (c === '\r' && i === buffer.length - 1) break;
      const out = line(buffer.slice(start, i));
      if (c === '\r' && buffer[i + 1] === '\n') i++;
      start = i + 1;
      if (out) yield out;
    }
    buffer = buffer.slice(start);
  }
}

export interface FollowOptions {
  /** Start after this entry; default: the server's head when the stream opens (only new entries). */
  after?: number;
  /** Called for each entry, in order, once; return `false` to stop following. */
  onEntry: (entry: WireEntry) => boolean | undefined;
  /** Progress and reconnections, for standard error. */
  onNotice: (text: string) => void;
  /** Longest wait between two attempts while the server does not answer (default 5 s). */
  maxDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows the pipeline's entries until `onEntry` returns false. A server that does not answer, or
 * a stream that ends or breaks, is tried again (after the server's `retry`, or with a growing
 * delay while it does not answer); a refusal (a bad credential, another pipeline) ends it with its
 * error.
 */
export async function followEvents(remote: Remote, options: FollowOptions): Promise<void> {
  const path = remote.pipelinePath('/events');
  let last = options.after;
  let retry = 2000;
  let delay = 250;
  const maxDelay = options.maxDelayMs ?? 5000;
  for (let attempt = 0; ; attempt++) {
    let body: ReadableStream<Uint8Array>;
    try {
      body = await remote.openEvents(path, last === undefined ? {} : { lastEventId: String(last) });
    } catch (error) {
      if (!(error instanceof TollgateError) || error.code !== 'STORE_UNAVAILABLE') throw error;
      options.onNotice(`${error.message}; trying again in ${delay} ms`);
      await sleep(delay);
      delay = Math.min(delay * 2, maxDelay);
      continue;
    }
    delay = 250;
    try {
      for await (const event of sseEvents(body as unknown as AsyncIterable<Uint8Array>)) {
        if (event.retry !== undefined) retry = Math.min(event.retry, 60_000);
        if (event.event === 'ready') {
          const ready = JSON.parse(event.data) as { after?: number };
          if (last === undefined && typeof ready.after === 'number') last = ready.after;
          options.onNotice(
            `${attempt === 0 ? 'following' : 'following again'} pipeline ${remote.pipeline} after entry #${last ?? 0}`,
          );
          continue;
        }
        if (event.id === undefined || !/^\d+$/.test(event.id)) continue;
        const seq = Number(event.id);
        // Sequence numbers only grow: an entry at or before the last one shown was shown.
        if (last !== undefined && seq <= last) continue;
        last = seq;
        if (options.onEntry(JSON.parse(event.data) as WireEntry) === false) {
          await body.cancel().catch(() => undefined);
          return;
        }
      }
    } catch {
      // The connection broke mid-stream: opened again below, after the last entry seen.
    }
    options.onNotice(`the event stream ended; reconnecting in ${retry} ms after entry #${last ?? 0}`);
    await sleep(retry);
  }
}
