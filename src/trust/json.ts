import { inputError, type SourcePosition } from '../errors.js';

/** Where character `offset` of `text` sits, as 1-based line and column. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Parses JSON text, turning a syntax error into an EVIDENCE_INVALID error that names the file and,
 * when V8 reports it, the line and column.
 */
export function parseJsonText(raw: string, file: string): unknown {
  // A leading byte-order mark is not JSON, but editors on some systems write one.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  try {
    return JSON.parse(text);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const position: SourcePosition = { file };
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : unexpectedTokenOffset(text, message);
    if (offset !== undefined) Object.assign(position, positionOf(text, offset));
    else if (/end of JSON input/.test(message)) Object.assign(position, positionOf(text, text.length));
    const found = message
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    throw inputError('EVIDENCE_INVALID', position, `malformed JSON: ${found}`, cause);
  }
}

/**
 * V8 reports an unexpected token without its position but with the text around it: `...` and 10
 * characters either side when the text is longer, else the whole text. Finds the token's offset
 * from that context when it is unambiguous.
 */
function unexpectedTokenOffset(text: string, message: string): number | undefined {
  const match = /^Unexpected token '(.+?)', (\.\.\.)?"(.*)"(?:\.\.\.)? is not valid JSON$/s.exec(message);
  if (!match) return undefined;
  const [, token = '', elided, context = ''] = match;
  const start = text.indexOf(context);
  if (start === -1 || text.indexOf(context, start + 1) !== -1) return undefined;
  if (elided) return start + 10;
  const inContext = context.indexOf(token);
  if (inContext === -1 || context.indexOf(token, inContext + 1) !== -1) return undefined;
  return start + inContext;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
