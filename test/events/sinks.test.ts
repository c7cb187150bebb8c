/**
 * Delivery to sinks that do not simply answer 2xx: a sink that moved (3xx) and a sink whose URL
 * carries credentials. Real HTTP servers on loopback; the dead-letter file is a real file.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdEventsOf } from '../../src/events/cdevents.js';
import { EventSinks } from '../../src/events/sinks.js';
import { fakeDigest } from '../support/cli.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

const seen: Seen[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (d: Buffer) => {
      body += d.toString();
    });
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body,
      });
      if (request.url?.startsWith('/moved')) {
        response.writeHead(301, { location: `${base}/events?token=s3cr3t-t0ken-value` }).end();
      } else {
        response.writeHead(202).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const events = cdEventsOf(
  {
    seq: 1,
    hash: `sha256:${'e'.repeat(64)}`,
    kind: 'promotion',
    stage: 'dev',
    artifact: fakeDigest('sink'),
    actor: 'dana',
    at: '2026-12-05T10:00:00.000Z',
    payload: {},
  },
  { pipeline: 'checkout', source: '/tollgate/checkout', artifactType: 'oci' },
);

function sinks(url: string) {
  const deadLetterFile = join(mkdtempSync(join(tmpdir(), 'tollgate-sinks-')), 'dead.jsonl');
  return { deadLetterFile, sinks: new EventSinks({ urls: [url], deadLetterFile, budgetMs: 2000 }) };
}

describe('event sinks', () => {
  it('a sink answering 301 is not delivered to: the event is dead-lettered, not lost as a GET', async () => {
    seen.length = 0;
    const { sinks: moved, deadLetterFile } = sinks(`${base}/moved`);
    const report = await moved.deliver(events);
    expect(report).toMatchObject({ delivered: 0, deadLettered: 1 });
    // Followed, the POST would have become a bodiless GET answered 202.
    expect(seen.map((s) => s.method)).toEqual(['POST']);
    expect(report.failures[0]).toContain('HTTP 301 redirect to');
    expect(report.failures[0]).not.toContain('s3cr3t-t0ken-value');
    const dead = JSON.parse(readFileSync(deadLetterFile, 'utf8').trim());
    expect(dead.error).toContain('HTTP 301');
    expect(dead.cloudEvent.type).toBe(events[0]!.context.type);
  });

  it('credentials in a sink URL are sent as Basic authorization (fetch refuses them in the URL)', async () => {
    seen.length = 0;
    const { sinks: guarded } = sinks(`${base.replace('//', '//ci:p%40ss@')}/events`);
    const report = await guarded.deliver(events);
    expect(report, report.failures.join('\n')).toMatchObject({ delivered: 1, deadLettered: 0 });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from('ci:p@ss').toString('base64')}`);
    expect(seen[0]!.url).toBe('/events');
    expect(JSON.parse(seen[0]!.body).context.id).toBe(events[0]!.context.id);
  });
});
