import { StringDecoder } from 'node:string_decoder';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteOrderMark, decodeText, unicodeDecoder } from '../../src/text/byte-order-mark.js';

describe('byte order marks', () => {
  const text = '{"name": "café ✓ 😀"}';

  it('names the encoding and the mark length, or nothing without a mark', () => {
    expect(byteOrderMark(Buffer.from(`\ufeff${text}`, 'utf8'))).toEqual({ encoding: 'UTF-8', skip: 3 });
    expect(byteOrderMark(Buffer.from(`\ufeff${text}`, 'utf16le'))).toEqual({ encoding: 'UTF-16LE', skip: 2 });
    expect(byteOrderMark(Buffer.from(`\ufeff${text}`, 'utf16le').swap16())).toEqual({
      encoding: 'UTF-16BE',
      skip: 2,
    });
    expect(byteOrderMark(Buffer.from(text, 'utf8'))).toBeUndefined();
    expect(byteOrderMark(Buffer.alloc(0))).toBeUndefined();
  });

  it('decodes a whole file as its mark says and leaves the mark out', () => {
    expect(decodeText(Buffer.from(text, 'utf8'))).toBe(text);
    expect(decodeText(Buffer.from(`\ufeff${text}`, 'utf8'))).toBe(text);
    expect(decodeText(Buffer.from(`\ufeff${text}`, 'utf16le'))).toBe(text);
    expect(decodeText(Buffer.from(`\ufeff${text}`, 'utf16le').swap16())).toBe(text);
  });
});

describe('the UTF-8 chunk decoder', () => {
  /** What Node's own decoder makes of the same chunks: the reference the fast ASCII path must match. */
  const reference = (chunks: Buffer[]) => {
    const decoder = new StringDecoder('utf8');
    return chunks.map((chunk) => decoder.write(chunk)).join('') + decoder.end();
  };
  const decode = (chunks: Buffer[]) => {
    const decoder = unicodeDecoder('UTF-8');
    return chunks.map((chunk) => decoder.write(chunk)).join('') + decoder.end();
  };

  it('keeps a character split across chunks whole, even when an ASCII chunk follows', () => {
    const euro = Buffer.from('€', 'utf8'); // three bytes
    const chunks = [
      Buffer.from('a'),
      euro.subarray(0, 1),
      euro.subarray(1, 2),
      euro.subarray(2),
      Buffer.from('b'),
    ];
    expect(decode(chunks)).toBe('a€b');
    // An unfinished character then ASCII: the same replacement character as Node's decoder.
    const cut = [Buffer.from('x'), euro.subarray(0, 2), Buffer.from('yz')];
    expect(decode(cut)).toBe(reference(cut));
    expect(decode([euro.subarray(0, 2)])).toBe(reference([euro.subarray(0, 2)]));
  });

  it('decodes any bytes in any chunking exactly as Node decodes them', () => {
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(
        fc.array(fc.array(byte, { maxLength: 12 }), { maxLength: 8 }),
        fc.array(fc.string({ unit: 'grapheme', maxLength: 6 }), { maxLength: 6 }),
        (raw, texts) => {
          const chunks = raw.map((bytes) => Buffer.from(bytes));
          // Real multi-byte characters too, cut at every byte.
          for (const text of texts) for (const b of Buffer.from(text, 'utf8')) chunks.push(Buffer.from([b]));
          expect(decode(chunks)).toBe(reference(chunks));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
