/**
 * How the YAML readers that consume config files read a plain (unquoted, untagged) scalar that
 * looks like a number, so that one they disagree on can be refused (src/drift/yaml-reader.ts).
 *
 * - Go's YAML (go-yaml v2 and v3: Helm, kubectl through sigs.k8s.io/yaml), `resolve.go`: after
 *   dropping `_`, `strconv.ParseInt(s, 0, 64)` (so `0x1F`, `0X1F`, `0o644`, `0O644`, `0B101`,
 *   `0644` are integers), else a float when `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
 *   matches (`-.5`, `1e3`), else `0b…`; a scalar starting with `.` is `strconv.ParseFloat`'s. No
 *   base-60 numbers.
 * - PyYAML (YAML 1.1, `resolver.py`): ints `0b…`, `0…` octal, decimal, `0x…` (lower case only) and
 *   base 60 (`1:20` is 80); floats need a dot and a signed exponent (`1.5e+3`, not `1e3`), base 60
 *   (`1:20.5`), `.inf`, `.nan`; a plain `=` is the `value` type, which its SafeLoader cannot
 *   construct (the load fails, so nothing hides: not refused).
 */

/** A number, text, or the reader refuses the file. */
export type Reading = number | 'text' | 'error';

const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const GO_DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

// resolve.go's table, looked up before anything else.
const GO_SPECIAL = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((word) => [word, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map(
    (word) => [word, Number.POSITIVE_INFINITY] as const,
  ),
  ...['-.inf', '-.Inf', '-.INF'].map((word) => [word, Number.NEGATIVE_INFINITY] as const),
]);

/** Go's YAML (v2 and v3 alike, built with Go 1.13 or later). Booleans and null words are not asked about here. */
export function goReading(text: string): Reading {
  const special = GO_SPECIAL.get(text);
  if (special !== undefined) return special;
  const first = text[0];
  if (first === '.') return GO_DOT_FLOAT.test(text) ? Number(text) : 'text';
  if (first === undefined || !/[-+0-9]/.test(first)) return 'text';
  const plain = text.replaceAll('_', '');
  if (GO_INT.test(plain)) return parseSignedInteger(plain, true);
  if (GO_FLOAT.test(plain)) return Number(plain);
  if (/^-?0b[01]+$/.test(plain)) return parseSignedInteger(plain, true);
  return 'text';
}

const PY_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** PyYAML's SafeLoader (float is tried before int, as it registers them). */
export function pyReading(text: string): Reading {
  if (text === '=') return 'error';
  if (PY_FLOAT.test(text)) {
    const plain = text.replaceAll('_', '').toLowerCase();
    const sign = plain.startsWith('-') ? -1 : 1;
    const unsigned = plain.replace(/^[-+]/, '');
    if (unsigned === '.inf') return sign * Number.POSITIVE_INFINITY;
    if (unsigned === '.nan') return Number.NaN;
    if (unsigned.includes(':')) return sign * base60(unsigned);
    return sign * Number(unsigned);
  }
  if (PY_INT.test(text)) {
    const plain = text.replaceAll('_', '');
    const sign = plain.startsWith('-') ? -1 : 1;
    const unsigned = plain.replace(/^[-+]/, '');
    if (unsigned.includes(':')) return sign * base60(unsigned);
    // `0x_` matches the pattern and leaves no digit: int('', 16) raises, the load fails.
    if (unsigned === '0x' || unsigned === '0b') return 'error';
    if (unsigned.startsWith('0b')) return sign * Number.parseInt(unsigned.slice(2), 2);
    if (unsigned.startsWith('0x')) return sign * Number.parseInt(unsigned.slice(2), 16);
    if (unsigned.length > 1 && unsigned.startsWith('0')) return sign * Number.parseInt(unsigned, 8);
    return sign * Number(unsigned);
  }
  return 'text';
}

function base60(unsigned: string): number {
  return unsigned.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

function parseSignedInteger(plain: string, goPrefixes: boolean): number {
  const sign = plain.startsWith('-') ? -1 : 1;
  const unsigned = plain.replace(/^[-+]/, '');
  const prefix = unsigned.slice(0, 2).toLowerCase();
  if (goPrefixes && prefix === '0x') return sign * Number.parseInt(unsigned.slice(2), 16);
  if (goPrefixes && prefix === '0b') return sign * Number.parseInt(unsigned.slice(2), 2);
  if (goPrefixes && prefix === '0o') return sign * Number.parseInt(unsigned.slice(2), 8);
  if (unsigned.length > 1 && unsigned.startsWith('0')) return sign * Number.parseInt(unsigned, 8);
  return sign * Number(unsigned);
}

// A character no number form has, a sign that follows no exponent, or two dots.
const NO_NUMBER = /[^0-9a-fA-FoOxX.:_+-]|(?<=.)(?<![eE])[-+]|\..*\./;
const PLAIN_DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

function same(a: Reading, b: Reading): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return a === b;
}

function describe(reading: Reading): string {
  if (reading === 'text') return 'text';
  if (reading === 'error') return 'an error (the file does not load)';
  return 'a number';
}

/**
 * Why the readers disagree on a plain scalar that Tollgate read as `ours`; undefined when they
 * agree. The scalar is not quoted in the message: a number may be a PIN.
 */
export function yamlReadersDisagree(text: string, ours: Reading): string | undefined {
  const first = text[0];
  if (first === undefined || (!/[-+.0-9]/.test(first) && text !== '=')) return undefined;
  // The common case, a plain decimal (`8080`, `-0.25`), is one number to every reader.
  if (PLAIN_DECIMAL.test(text)) return undefined;
  // Nor is text that no reader takes for a number (`10.0.0.1`, `2026-01-01`, `3rd`) worth reading three times.
  if (first >= '0' && first <= '9' && NO_NUMBER.test(text)) return undefined;
  const go = goReading(text);
  const py = pyReading(text);
  // A reader that cannot load the file shows nothing that could hide a difference (`=` to PyYAML).
  if ((same(ours, go) || go === 'error') && (same(ours, py) || py === 'error')) return undefined;
  const numbers = [ours, go, py].filter((reading) => typeof reading === 'number');
  const differentNumbers = numbers.some((reading) => !same(reading, numbers[0]!));
  return (
    `YAML readers read this plain scalar differently: ${describe(ours)} to Tollgate (YAML 1.2 core), ` +
    `${describe(go)} to Helm and kubectl (Go's YAML), ${describe(py)} to PyYAML (YAML 1.1)` +
    (differentNumbers ? ', and not the same number' : '') +
    ', so two stages could compare equal while the application reads another value; quote it if text is meant, or write the number in plain decimal (digits, one optional dot, no exponent)'
  );
}
