/**
 * The character encoding of an XML document read as bytes, found as XML 1.0 (appendix F) says:
 * a byte order mark first, else the first bytes' pattern, else the XML declaration's `encoding`,
 * else UTF-8. Reports are nearly always UTF-8; UTF-16 comes from Windows tools (PowerShell 5's
 * `Out-File`), ISO-8859-1 and windows-1252 from older Java and .NET reporters.
 */
import {
  byteOrderMark,
  type ChunkDecoder,
  type MarkedEncoding,
  unicodeDecoder,
} from '../text/byte-order-mark.js';

export type XmlEncoding = MarkedEncoding | 'ISO-8859-1' | 'windows-1252';

export interface SniffedEncoding {
  encoding: XmlEncoding;
  /** Bytes of byte order mark to skip before decoding. */
  skip: number;
}

/** An encoding the declaration names that Tollgate cannot decode; `column` is 1-based, on line 1. */
export class UnsupportedEncoding extends Error {
  constructor(
    readonly encoding: string,
    readonly column: number,
  ) {
    super(
      `the XML declaration names encoding "${encoding}"; expected UTF-8, UTF-16, ISO-8859-1, US-ASCII or windows-1252`,
    );
  }
}

/** How many bytes `sniffXmlEncoding` may need: a declaration longer than this is not read. */
export const SNIFF_BYTES = 1024;

const LABELS: Record<string, XmlEncoding> = {
  'utf-8': 'UTF-8',
  utf8: 'UTF-8',
  'us-ascii': 'ISO-8859-1',
  ascii: 'ISO-8859-1',
  'iso-8859-1': 'ISO-8859-1',
  iso_8859_1: 'ISO-8859-1',
  'iso_8859-1': 'ISO-8859-1',
  latin1: 'ISO-8859-1',
  'latin-1': 'ISO-8859-1',
  l1: 'ISO-8859-1',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  // Only reached for bytes that are not UTF-16 (no byte order mark, no zeros in `<?`): .NET writes
  // encoding="utf-16" into XML built in a string and then saved as UTF-8, and so do tools built on it.
  'utf-16': 'UTF-8',
  'utf-16le': 'UTF-8',
  'utf-16be': 'UTF-8',
  unicode: 'UTF-8',
};

const DECLARED_ENCODING = /^<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1/;

/**
 * The encoding of a document that starts with `head`. Returns undefined while `head` is too short
 * to tell (fewer than 4 bytes, or an XML declaration not yet closed within `SNIFF_BYTES`) unless
 * `complete` says no more bytes will come.
 * @throws UnsupportedEncoding when the declaration names an encoding that is not supported
 */
export function sniffXmlEncoding(head: Buffer, complete = false): SniffedEncoding | undefined {
  if (head.length < 4 && !complete) return undefined;
  const mark = byteOrderMark(head);
  if (mark) return mark;
  const [b0, b1, b2, b3] = head;
  // No byte order mark, but a zero byte beside each of the first two characters (`<?`, or `<t` when
  // there is no declaration): UTF-16, and the zeros' side says which. XML in UTF-8 has no zero bytes.
  if (b0 !== 0 && b1 === 0 && b2 !== 0 && b3 === 0) return { encoding: 'UTF-16LE', skip: 0 };
  if (b0 === 0 && b1 !== 0 && b2 === 0 && b3 !== 0) return { encoding: 'UTF-16BE', skip: 0 };
  // ASCII-compatible: the declaration, if there is one, names the encoding.
  if (b0 !== 0x3c || b1 !== 0x3f) return { encoding: 'UTF-8', skip: 0 };
  const text = head.toString('latin1', 0, Math.min(head.length, SNIFF_BYTES));
  const close = text.indexOf('?>');
  if (close < 0 && !complete && head.length < SNIFF_BYTES) return undefined;
  const declaration = DECLARED_ENCODING.exec(close < 0 ? text : text.slice(0, close + 2));
  if (!declaration) return { encoding: 'UTF-8', skip: 0 };
  const name = declaration[2]!;
  const encoding = LABELS[name.toLowerCase()];
  if (encoding === undefined) throw new UnsupportedEncoding(name, declaration[0].length - name.length);
  return { encoding, skip: 0 };
}

/** windows-1252's printable characters at 0x80–0x9F, where ISO-8859-1 has control characters. */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** A decoder for `encoding`. */
export function createChunkDecoder(encoding: XmlEncoding): ChunkDecoder {
  switch (encoding) {
    case 'UTF-8':
    case 'UTF-16LE':
    case 'UTF-16BE':
      return unicodeDecoder(encoding);
    case 'ISO-8859-1':
      return { write: (bytes) => bytes.toString('latin1'), end: () => '' };
    case 'windows-1252':
      return {
        write: (bytes) =>
          bytes.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!),
        end: () => '',
      };
  }
}

/**
 * Decodes an XML document's bytes chunk by chunk in the encoding its first bytes say (see
 * `sniffXmlEncoding`): holds the first bytes back until the encoding is known, skips a byte order
 * mark, then decodes as it goes.
 * @throws UnsupportedEncoding from `write` or `end`
 */
export class XmlDecoder implements ChunkDecoder {
  /** Set once the first bytes have told it. */
  encoding: XmlEncoding | undefined;
  private decoder: ChunkDecoder | undefined;
  private head: Buffer | undefined;

  write(bytes: Buffer): string {
    if (this.decoder) return this.decoder.write(bytes);
    this.head = this.head ? Buffer.concat([this.head, bytes]) : bytes;
    return this.decide(false);
  }

  end(): string {
    const rest = this.decoder ? '' : this.decide(true);
    return rest + (this.decoder?.end() ?? '');
  }

  private decide(complete: boolean): string {
    const head = this.head ?? Buffer.alloc(0);
    const sniffed = sniffXmlEncoding(head, complete);
    if (!sniffed) return '';
    this.head = undefined;
    this.encoding = sniffed.encoding;
    this.decoder = createChunkDecoder(sniffed.encoding);
    return this.decoder.write(head.subarray(sniffed.skip));
  }
}
