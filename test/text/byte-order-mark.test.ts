import { describe, expect, it } from 'vitest';
import { byteOrderMark, decodeText } from '../../src/text/byte-order-mark.js';

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
