import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { parseJunit } from '../../src/evidence/junit-parser.js';
import { sniffXmlEncoding, UnsupportedEncoding, XmlDecoder } from '../../src/evidence/xml-encoding.js';

/** A report whose failing test and message hold characters outside ASCII. */
function report(declaration: string, name: string, message: string): string {
  return `${declaration}<testsuites>
  <testsuite name="enc">
    <testcase classname="Enc" name="passes"/>
    <testcase classname="Enc" name="${name}"><failure message="${message}"/></testcase>
    <testcase classname="Enc" name="skips"><skipped/></testcase>
  </testsuite>
</testsuites>
`;
}

const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

/** Parses `bytes` whole and in chunks of every size from 1 to 7 bytes; all must agree. */
async function parseAllWays(bytes: Buffer) {
  const whole = await parseJunit({ stream: Readable.from([bytes]), name: 'enc.xml' });
  for (let size = 1; size <= 7; size++) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
    const chunked = await parseJunit({ stream: Readable.from(chunks), name: 'enc.xml' });
    expect(chunked, `chunks of ${size} bytes`).toEqual(whole);
  }
  return whole;
}

describe('XML encodings of a JUnit report', () => {
  const cases: Array<[string, Buffer, string, string]> = [
    [
      'UTF-8 with a byte order mark',
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(report('<?xml version="1.0"?>\n', 'café ✓', 'größer € 😀')),
      ]),
      'café ✓',
      'größer € 😀',
    ],
    [
      'UTF-16LE with a byte order mark (PowerShell 5 Out-File)',
      Buffer.from(
        `\ufeff${report('<?xml version="1.0" encoding="UTF-16"?>\n', 'café ✓', 'größer € 😀')}`,
        'utf16le',
      ),
      'café ✓',
      'größer € 😀',
    ],
    [
      'UTF-16BE with a byte order mark',
      utf16be(`\ufeff${report('<?xml version="1.0" encoding="UTF-16"?>\n', 'café ✓', 'größer € 😀')}`),
      'café ✓',
      'größer € 😀',
    ],
    [
      'UTF-16LE without a byte order mark',
      Buffer.from(report('<?xml version="1.0" encoding="UTF-16"?>\n', 'café', '😀'), 'utf16le'),
      'café',
      '😀',
    ],
    [
      'ISO-8859-1, as declared',
      Buffer.from(report('<?xml version="1.0" encoding="ISO-8859-1"?>\n', 'café', 'größer'), 'latin1'),
      'café',
      'größer',
    ],
    [
      'windows-1252, as declared (€ and … sit where ISO-8859-1 has control characters)',
      Buffer.concat([
        Buffer.from(
          report("<?xml version='1.0' encoding='windows-1252'?>\n", 'caf\u00e9', 'X').split('X')[0]!,
          'latin1',
        ),
        Buffer.from([0x80, 0x20, 0x85]),
        Buffer.from(
          report("<?xml version='1.0' encoding='windows-1252'?>\n", 'caf\u00e9', 'X').split('X')[1]!,
          'latin1',
        ),
      ]),
      'café',
      '€ …',
    ],
    [
      'UTF-8 bytes under a .NET "utf-16" declaration',
      Buffer.from(report('<?xml version="1.0" encoding="utf-16"?>\n', 'café', 'größer'), 'utf8'),
      'café',
      'größer',
    ],
  ];

  for (const [label, bytes, name, message] of cases) {
    it(`reads ${label}`, async () => {
      const totals = await parseAllWays(bytes);
      expect(totals).toMatchObject({ tests: 3, passed: 1, failed: 1, skipped: 1 });
      expect(totals.failures).toEqual([{ name, classname: 'Enc', kind: 'failure', message }]);
    });
  }

  it('refuses an encoding it cannot decode, naming where the declaration says it', async () => {
    const bytes = Buffer.from(report('<?xml version="1.0" encoding="EBCDIC-CP-US"?>\n', 'a', 'b'));
    const error = await parseJunit({ stream: Readable.from([bytes]), name: 'enc.xml' }).catch((e) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe(
      'enc.xml:1:31: the XML declaration names encoding "EBCDIC-CP-US"; expected UTF-8, UTF-16, ISO-8859-1, US-ASCII or windows-1252',
    );
  });
});

describe('sniffXmlEncoding', () => {
  it('waits for four bytes, and for the end of the declaration, unless told the head is complete', () => {
    expect(sniffXmlEncoding(Buffer.from('<?'))).toBeUndefined();
    expect(sniffXmlEncoding(Buffer.from('<?'), true)).toEqual({ encoding: 'UTF-8', skip: 0 });
    expect(sniffXmlEncoding(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"'))).toBeUndefined();
    expect(sniffXmlEncoding(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>'))).toEqual({
      encoding: 'ISO-8859-1',
      skip: 0,
    });
  });

  it('reads UTF-8 when nothing says otherwise, and lets a byte order mark win over the declaration', () => {
    expect(sniffXmlEncoding(Buffer.from('<testsuites/>'))).toEqual({ encoding: 'UTF-8', skip: 0 });
    expect(sniffXmlEncoding(Buffer.from('<?xml version="1.0"?><a/>'))).toEqual({
      encoding: 'UTF-8',
      skip: 0,
    });
    const marked = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<?xml encoding="ISO-8859-1"?>', 'utf16le'),
    ]);
    expect(sniffXmlEncoding(marked)).toEqual({ encoding: 'UTF-16LE', skip: 2 });
    // UTF-16 with neither mark nor declaration: the zero bytes tell.
    expect(sniffXmlEncoding(Buffer.from('<testsuite/>', 'utf16le'))).toEqual({
      encoding: 'UTF-16LE',
      skip: 0,
    });
    expect(sniffXmlEncoding(Buffer.from('<testsuite/>', 'utf16le').swap16())).toEqual({
      encoding: 'UTF-16BE',
      skip: 0,
    });
  });

  it('throws UnsupportedEncoding with the 1-based column of the name', () => {
    expect(() => sniffXmlEncoding(Buffer.from("<?xml version='1.0' encoding='Shift_JIS'?>"))).toThrow(
      new UnsupportedEncoding('Shift_JIS', 31),
    );
  });

  it('XmlDecoder gives out nothing until the encoding is known, then everything held back', () => {
    const decoder = new XmlDecoder();
    expect(decoder.write(Buffer.from([0xff]))).toBe('');
    expect(decoder.encoding).toBeUndefined();
    expect(decoder.write(Buffer.from([0xfe, 0x3c, 0x00, 0x61]))).toBe('<');
    expect(decoder.encoding).toBe('UTF-16LE');
    expect(decoder.write(Buffer.from([0x00]))).toBe('a');
    expect(decoder.end()).toBe('');
  });
});
