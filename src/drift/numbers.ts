/**
 * Numbers whose written form says more than the value the diff compares. Readers turn numbers into
 * 64-bit floats, so `9007199254740993` reads as `9007199254740992`: a change in the digits beyond
 * float precision (an account id, a snowflake id, a 17-digit price) would compare as no change. And
 * YAML `010` is 10 to a YAML 1.2 reader but 8 to the YAML 1.1 readers many consumers use (kubectl's
 * sigs.k8s.io/yaml, PyYAML, Spring's SnakeYAML), so `010` against `10` would read as no change while
 * the consumer sees 8 against 10. Both are refused with the line, not compared; the messages do not
 * quote the number, which may be a PIN or a card number. Pure.
 */

const DECIMAL = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/;

/** Why `written` (a decimal number as written in a file) cannot be compared as `value`; undefined when it can. */
export function inexactNumber(written: string, value: number, yaml: boolean): string | undefined {
  if (yaml && /^[-+]?0\d+$/.test(written)) {
    const octal = /^[-+]?0[0-7]+$/.test(written)
      ? 'octal to YAML 1.1 readers (kubectl, PyYAML, Spring’s SnakeYAML)'
      : 'text to YAML 1.1 readers (kubectl, PyYAML, Spring)';
    return `an integer written with a leading zero is ${octal} but decimal to YAML 1.2 readers; quote it, or write it without the leading zero (0o… for octal)`;
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
