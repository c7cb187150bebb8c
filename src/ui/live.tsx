/**
 * Live updates: the pipeline's ledger entries through the server's event stream
 * (`/api/v1/pipelines/{pipeline}/events`, Server-Sent Events). Every entry bumps a version the
 * views re-load on; while the stream is down the page says so ("reconnecting") and the browser
 * retries by itself, resuming after the last entry it saw (Last-Event-ID).
 */
import { useEffect, useState } from 'preact/hooks';
import { API, enc, get, snapshot } from './api.js';
import { signIn } from './ui.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'static' | 'off';

export interface Live {
  state: LiveState;
  /** Bumped by every new entry. */
  version: number;
  /** The latest entry seen, for a polite announcement. */
  last?: { kind: string; stage: string | null; seq: number };
}

const KINDS = ['promotion', 'rollback', 'approval', 'verification', 'register', 'attest'];

export function useLive(pipeline: string | undefined): Live {
  const [live, setLive] = useState<Live>({ state: snapshot() ? 'static' : 'connecting', version: 0 });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!pipeline || snapshot() || typeof EventSource === 'undefined') return;
    const source = new EventSource(`${API}/pipelines/${enc(pipeline)}/events`);
    let retry: ReturnType<typeof setTimeout> | undefined;
    const onEntry = (event: MessageEvent<string>) => {
      const entry = JSON.parse(event.data) as { kind: string; stage: string | null; seq: number };
      setLive((l) => ({ state: 'live', version: l.version + 1, last: entry }));
    };
    source.addEventListener('ready', () => setLive((l) => ({ ...l, state: 'live' })));
    for (const kind of KINDS) source.addEventListener(kind, onEntry as EventListener);
    source.onerror = () => {
      // The browser retries a dropped stream by itself (CONNECTING); one the server answered with
      // an error is CLOSED: ask why. No session any more: sign in again, coming back here. Not
      // allowed or no such pipeline: the view says so, no stream. Anything else: try again soon.
      if (source.readyState !== EventSource.CLOSED) {
        setLive((l) => ({ ...l, state: 'reconnecting' }));
        return;
      }
      get('/whoami').then(
        () =>
          get(`/pipelines/${enc(pipeline)}/summary`).then(
            () => {
              setLive((l) => ({ ...l, state: 'reconnecting' }));
              retry = setTimeout(() => setAttempt((a) => a + 1), 2000);
            },
            () => setLive((l) => ({ ...l, state: 'off' })),
          ),
        (error: { status?: number }) => {
          if (error.status === 401) return signIn();
          setLive((l) => ({ ...l, state: 'reconnecting' }));
          retry = setTimeout(() => setAttempt((a) => a + 1), 2000);
        },
      );
    };
    return () => {
      clearTimeout(retry);
      source.close();
    };
  }, [pipeline, attempt]);
  return live;
}

/** The stream's state, visible and announced. */
export function LiveStatus(props: { live: Live }) {
  const { state } = props.live;
  if (state === 'static' || state === 'off') return null;
  const text =
    state === 'live'
      ? 'Live'
      : state === 'connecting'
        ? 'Connecting…'
        : 'Reconnecting to the server… (what you see may be out of date)';
  return (
    <p class={`live live-${state}`} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {text}
    </p>
  );
}
