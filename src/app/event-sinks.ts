/**
 * The store, emitting CDEvents for what it records when TOLLGATE_EVENT_SINKS names sinks
 * (src/events/), for the CLI's one run and a server's process alike.
 */
import { join } from 'node:path';
import type { Contract } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { durationSetting } from '../text/duration-setting.js';
import { maskSecretsInText } from '../text/secret-detector.js';
import { toLogText } from '../text/terminal-text.js';
import type { Environment } from './services.js';

/**
 * `store`, emitting what it records as CDEvents when TOLLGATE_EVENT_SINKS names sinks, else `store`
 * itself. Undelivered events go to TOLLGATE_EVENT_DEAD_LETTER (default
 * `<data dir>/events-dead-letter.jsonl`). A sink URL, TOLLGATE_EVENT_SOURCE or
 * TOLLGATE_EVENT_TIMEOUT that cannot be used is a USAGE error (the store closed): found at
 * delivery, the events would be lost after the facts were recorded.
 */
export async function withEventSinks(
  store: LedgerStore,
  env: Environment,
  dataDir: string,
  contractOf: (pipeline: string) => Contract | undefined,
): Promise<LedgerStore> {
  if (!env.TOLLGATE_EVENT_SINKS?.trim()) return store;
  const { EventSinks, parseEventSource, parseSinkUrls } = await import('../events/sinks.js');
  const { emittingStore } = await import('../events/emitting-store.js');
  let urls: string[];
  let budgetMs: number;
  let source: string | undefined;
  try {
    urls = parseSinkUrls(env.TOLLGATE_EVENT_SINKS);
    source = env.TOLLGATE_EVENT_SOURCE ? parseEventSource(env.TOLLGATE_EVENT_SOURCE) : undefined;
    budgetMs = durationSetting(env.TOLLGATE_EVENT_TIMEOUT, 'TOLLGATE_EVENT_TIMEOUT', 10_000);
  } catch (error) {
    await store.close();
    throw error instanceof TollgateError ? error : new TollgateError('USAGE', (error as Error).message);
  }
  const sinks = new EventSinks({
    urls,
    deadLetterFile: env.TOLLGATE_EVENT_DEAD_LETTER || join(dataDir, 'events-dead-letter.jsonl'),
    budgetMs,
  });
  return emittingStore(store, {
    sinks,
    contractOf,
    ...(source === undefined ? {} : { source }),
    // A delivery failure quotes what the sink answered: the secret detector masks it.
    warn: (line) => process.stderr.write(`tollgate: warning: ${toLogText(maskSecretsInText(line))}\n`),
  });
}
