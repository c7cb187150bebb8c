/**
 * Text quoted into Markdown (a CI step summary, a pull-request comment): names, reasons and
 * messages written by whoever controls a CI job, a report or a config file. Rendered as Markdown
 * they could open markup of their own: a new line starting a heading or a table row Tollgate never
 * wrote, emphasis and strike-through that dress a failure as a pass, a link, HTML or a comment
 * (`<!--`) hiding what follows, an entity (`&#x202E;`) that becomes an invisible character, an
 * @-mention that notifies somebody. These functions make such text only text.
 */
import { toOneLineText } from './terminal-text.js';

/**
 * `text` as Markdown text: on one line (`toOneLineText`: a new line shown as `\n`, invisible
 * characters as `\uXXXX`), every character that could open markup escaped with a backslash
 * (`|` included, so it fits a table cell), and an `@` before a name written as code so that nobody
 * is mentioned.
 * @example toMarkdownText('**PASSED** @team') // '\\*\\*PASSED\\*\\* `@`team'
 */
export function toMarkdownText(text: string): string {
  return toOneLineText(text.replace(/[\\`*_~[\]<>&|#]/g, (c) => `\\${c}`)).replace(
    /(?<![A-Za-z0-9_])@/g,
    '`@`',
  );
}

/**
 * `text` as one code span that fits a table cell: fenced by more backticks than any run in it (a
 * backtick cannot close it early), on one line, invisible characters shown, `|` escaped (a GFM
 * table reads `\|` inside a code span as the character).
 * @example toMarkdownCode('a`b') // '``a`b``'
 */
export function toMarkdownCode(text: string): string {
  const shown = toOneLineText(text).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = shown.startsWith('`') || shown.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}
