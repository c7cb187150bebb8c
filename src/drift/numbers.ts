/**
 * Numbers whose written form says more than the value the diff compares. Readers turn numbers into
 * 64-bit floats, so `9007199254740993` reads as `9007199254740992`: a change in the digits beyond
 * float precision (an account id, a snowflake id, a 17-digit price) would compare as no change. And
 * YAML `089` is no octal number (`0644` is read as octal, as its consumers read it): text to YAML 1.1
 * readers (PyYAML, Spring's SnakeYAML), 89 to YAML 1.2 ones. Both are refused with the line, not
 * compared; the messages do not quote the number, which may be a PIN or a card number. Pure.
 */

const DECIMAL = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/;

/** Why `written` (a decimal number as written in a file) cannot be compared as `value`; undefined when it can. */
export function inexactNumber(written: string, value: number, yaml: boolean): string | undefined {
  // `0644` is read as octal (src/drift/yaml-reader.ts), as its consumers read it; `089` is no octal.
  if (yaml && /^[-+]?0\d*[89]\d*$/.test(written)) {
    return 'an integer written with a leading zero and an 8 or 9 is no octal number: YAML 1.1 readers (PyYAML, Spring’s SnakeYAML) read it as text, YAML 1.2 readers as a decimal; quote it, or write it without the leading zero';
  }
  if (!Number.isFinite(value)) return undefined;
  const exact = normalise(written);
  if (exact === undefined || exact.digits.length <= 15) return undefined;
  const read = normalise(String(value));
  if (read !== undefined && read.digits === exact.digits && read.exponent === exact.exponent)
    return undefined;
  return 'a number with more significant digits than a 64-bit float holds exactly (a change in its last digits would not show); quote it to compare it as text';
}

/** Significant digits and exponent of a decimal, without sign; undefined when it is not one. */
function normalise(text: string): { digits: string; exponent: number } | undefined {
  const match = DECIMAL.exec(text);
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  const fraction = match[3] ?? '';
  let digits = (match[2] ?? '') + fraction;
  let exponent = Number(match[4] ?? '0') - fraction.length;
  digits = digits.replace(/^0+/, '');
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  return digits === '' ? { digits: '0', exponent: 0 } : { digits, exponent };
}

/**
 * The first number in JSON text that cannot be compared exactly, with its offset; undefined when
 * there is none. Strings are skipped. Only called on text that parsed as JSON.
 */
export function firstInexactJsonNumber(text: string): { offset: number; message: string } | undefined {
  // Every number of at most 15 significant digits is read exactly: skip the scan when none is longer.
  if (!/[0-9.]{16}/.test(text)) return undefined;
  const token = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g;
  for (let match = token.exec(text); match !== null; match = token.exec(text)) {
    const written = match[0];
    if (written.startsWith('"')) continue;
    const message = inexactNumber(written, Number(written), false);
    if (message !== undefined) return { offset: match.index, message };
  }
  return undefined;
}
