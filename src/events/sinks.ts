/**
 * Delivery of events to HTTP sinks as CloudEvents 1.0 (HTTP binary mode, the `cloudevents` SDK),
 * with retries and backoff within a time budget, and a dead-letter file for what could not be
 * delivered. Delivery never throws: a sink that is down must not fail what was already recorded.
 * Shared by the CLI and (later) the server.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CloudEvent, HTTP } from 'cloudevents';
import { TollgateError } from '../errors.js';
import { maskUrl } from '../text/secret-detector.js';
import type { CdEvent } from './cdevents.js';

export interface EventSinksOptions {
  /** Sink URLs (http or https). */
  urls: readonly string[];
  /** Where undeliverable events are appended, one JSON object per line. */
  deadLetterFile: string;
  /** Total time for one batch's retries, in ms (default 10 s). */
  budgetMs?: number;
  /** Longest wait for one answer, in ms (default 5 s). */
  attemptTimeoutMs?: number;
}

export interface DeliveryReport {
  delivered: number;
  deadLettered: number;
  /** One line per failure, for a warning. */
  failures: string[];
}

/** A CDEvent as a CloudEvent 1.0: the CDEvent's id, source, type and time, and the CDEvent as data. */
export function toCloudEvent(event: CdEvent): CloudEvent<CdEvent> {
  return new CloudEvent<CdEvent>({
    specversion: '1.0',
    id: event.context.id,
    source: event.context.source,
    type: event.context.type,
    time: event.context.timestamp,
    datacontenttype: 'application/json',
    data: event,
  });
}

/** Parses TOLLGATE_EVENT_SINKS: comma-separated http(s) URLs. */
export function parseSinkUrls(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
    .map((url) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new TollgateError('USAGE', `TOLLGATE_EVENT_SINKS: "${maskUrl(url)}" is not a URL`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new TollgateError(
          'USAGE',
          `TOLLGATE_EVENT_SINKS: "${maskUrl(url)}" is not an http or https URL`,
        );
      }
      return parsed.href;
    });
}

/**
 * Checks TOLLGATE_EVENT_SOURCE: a CloudEvent's `source` must be a non-empty URI reference, and the
 * SDK refuses to build an event with another. Found only at delivery, every event of the command
 * was lost (neither sent nor dead-lettered) with a warning, after the command had recorded them.
 */
export function parseEventSource(text: string): string {
  try {
    new CloudEvent({ specversion: '1.0', id: 'check', source: text, type: 'dev.cdevents.check' });
  } catch {
    throw new TollgateError(
      'USAGE',
      `TOLLGATE_EVENT_SOURCE "${text}" is not a URI reference, as a CloudEvent's source must be (e.g. /tollgate/shop or https://ci.example.com/tollgate/shop)`,
    );
  }
  return text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A sink's URL as written to the dead-letter file or a warning: no credentials, no secret parameters. */
const safeUrl = maskUrl;

/**
 * `https://user:secret@host/…` as fetch can send it: the URL without its credentials (fetch refuses
 * a URL that holds them) and the credentials as HTTP Basic authorization, as curl sends them.
 */
function splitCredentials(url: string): { target: string; authorization?: string } {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return { target: url };
  // A stray `%` is sent as written (curl does the same), not a crash of the delivery.
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const user = decode(parsed.username);
  const password = decode(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return {
    target: parsed.href,
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  };
}

export class EventSinks {
  constructor(private readonly options: EventSinksOptions) {}

  /** Delivers each event to every sink; what fails within the budget goes to the dead-letter file. */
  async deliver(events: readonly CdEvent[]): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, deadLettered: 0, failures: [] };
    if (events.length === 0 || this.options.urls.length === 0) return report;
    const deadline = Date.now() + (this.options.budgetMs ?? 10_000);
    await Promise.all(
      this.options.urls.map(async (url) => {
        for (const event of events) {
          const error = await this.send(url, event, deadline);
          if (error === undefined) report.delivered += 1;
          else {
            report.deadLettered += 1;
            report.failures.push(`${safeUrl(url)}: ${event.context.type} ${event.context.id}: ${error}`);
            this.deadLetter(url, event, error);
          }
        }
      }),
    );
    return report;
  }

  /** One event to one sink, retried on network errors, 408, 429 and 5xx; the last error, or undefined when delivered. */
  private async send(url: string, event: CdEvent, deadline: number): Promise<string | undefined> {
    const message = HTTP.binary(toCloudEvent(event));
    const { target, authorization } = splitCredentials(url);
    const headers: Record<string, string> = { ...(message.headers as Record<string, string>) };
    if (authorization !== undefined) headers.authorization = authorization;
    let attempt = 0;
    let last = '';
    for (;;) {
      attempt += 1;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        return `not delivered within the time budget after ${attempt - 1} attempt(s) (last: ${last || 'none'})`;
      let retryAfter: number | undefined;
      try {
        const response = await fetch(target, {
          method: 'POST',
          headers,
          body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
          // Followed, a 301, 302 or 303 turns the POST into a GET without its body, and the 200 that
          // answers the GET would read as delivered while the event is lost: a redirect is a failure.
          redirect: 'manual',
          signal: AbortSignal.timeout(Math.min(this.options.attemptTimeoutMs ?? 5000, remaining)),
        });
        await response.body?.cancel();
        if (response.ok) return undefined;
        last = `HTTP ${response.status}`;
        if (response.status >= 300 && response.status < 400) {
          const location = response.headers.get('location');
          return `${last} redirect${location ? ` to ${safeUrl(location)}` : ''}: events are not sent on to another address; set TOLLGATE_EVENT_SINKS to the sink's own URL`;
        }
        if (!(response.status === 408 || response.status === 429 || response.status >= 500)) return last;
        const header = response.headers.get('retry-after');
        if (header && /^\d+$/.test(header)) retryAfter = Number(header) * 1000;
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        last = cause?.code ?? (error as Error).name;
      }
      const backoff = retryAfter ?? Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      if (Date.now() + backoff >= deadline)
        return `not delivered within the time budget after ${attempt} attempt(s) (last: ${last})`;
      await sleep(backoff);
    }
  }

  private deadLetter(url: string, event: CdEvent, error: string): void {
    try {
      mkdirSync(dirname(this.options.deadLetterFile), { recursive: true });
      appendFileSync(
        this.options.deadLetterFile,
        `${JSON.stringify({ sink: safeUrl(url), failedAt: new Date().toISOString(), error, cloudEvent: toCloudEvent(event).toJSON() })}\n`,
      );
    } catch {
      // The dead-letter file itself is unwritable: the warning on stderr is all that is left.
    }
  }
}
