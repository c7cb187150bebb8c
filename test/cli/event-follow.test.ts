/** The CLI's Server-Sent Events reader: the WHATWG line rules, however the bytes are cut. */
import { describe, expect, it } from 'vitest';
import { type ServerEvent, sseEvents } from '../../src/cli/event-follow.js';

async function read(chunks: string[]): Promise<ServerEvent[]> {
  const bytes = chunks.map((c) => new TextEncoder().encode(c));
  async function* body() {
    yield* bytes;
  }
  const out: ServerEvent[] = [];
  for await (const event of sseEvents(body())) out.push(event);
  return out;
}

const STREAM =
  'event: ready\r\ndata: {"after":3}\r\nretry: 2000\r\n\r\n' +
  ': keep-alive\n\n' +
  'id: 4\nevent: register\ndata: {"seq":4}\n\n' +
  'id:5\revent:attest\rdata:line one\rdata: line two\r\r' +
  'data: no id\n\n' +
  'id: 6\nevent: promotion\ndata: {"cut": true}';

const EXPECTED: ServerEvent[] = [
  { event: 'ready', data: '{"after":3}', retry: 2000 },
  { event: 'register', data: '{"seq":4}', id: '4' },
  { event: 'attest', data: 'line one\nline two', id: '5' },
  { event: 'message', data: 'no id' },
];

describe('sseEvents', () => {
  it('reads fields, comments, CRLF, CR and LF line ends, joined data lines; drops an event cut off', async () => {
    expect(await read([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events however the stream is split, one byte at a time included', async () => {
    for (const size of [1, 2, 3, 7, 16]) {
      const chunks: string[] = [];
      for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.slice(i, i + size));
      expect(await read(chunks), `chunks of ${size}`).toEqual(EXPECTED);
    }
  });

  it('keeps multi-byte characters cut between chunks', async () => {
    const text = 'data: prüfung ✓\n\n';
    const bytes = new TextEncoder().encode(text);
    async function* body() {
      for (const byte of bytes) yield Uint8Array.of(byte);
    }
    const out: ServerEvent[] = [];
    for await (const event of sseEvents(body())) out.push(event);
    expect(out).toEqual([{ event: 'message', data: 'prüfung ✓' }]);
  });
});
