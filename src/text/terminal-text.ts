/**
 * Text for a terminal. What the CLI prints quotes what it was given: file names, suite names,
 * test names, tool names and reasons from reports and events. A control character in them (ESC
 * starting a colour, a cursor move, a screen clear or a window title; CR returning to the line's
 * start; a bidirectional override reversing what follows) would let a report or a file name
 * rewrite what the person reads, such as a "BLOCKED" turned into "ALLOWED"; an invisible one (a
 * zero-width space) makes `1.4.2` and `1.4\u200b.2` two labels that look one. Such characters are
 * shown as `\uXXXX` instead; tab and newline stay. Inside a JSON string `\uXXXX` is the same
 * character, so JSON output keeps its value. The dashboard shows the same characters the same way
 * (src/ui/visible-text.ts).
 */

// C0 and C1 controls but tab and newline, DEL, the soft hyphen, the Arabic letter mark, the
// Mongolian vowel separator, zero-width space, joiners and marks, the bidirectional embeddings,
// overrides and isolates, word joiner and invisible operators, and the byte order mark.
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * `text` with every control character that could move the cursor, colour or reorder the terminal,
 * and every invisible one, written as a visible `\uXXXX` escape.
 * @example toTerminalText('a\u001b[2Jb') // 'a\\u001b[2Jb'
 */
export function toTerminalText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Text for a CI log: {@link toTerminalText}, and nothing a GitHub Actions runner would act on as a
 * workflow command. The runner reads a step's stdout and stderr line by line and runs a line that
 * starts with `::` after white space (`::add-mask::BLOCKED` hides that word from the rest of the
 * log, `::stop-commands::` silences every annotation after it, `::notice::` adds one) and `##[` anywhere
 * in a line (the older syntax): actions/runner `src/Runner.Common/ActionCommand.cs`. A test name,
 * a reason or a file name quoted on a line of its own could otherwise run one. The first character
 * of each is written as its `\uXXXX` escape, as a control character is; inside a JSON string that
 * is the same character, so JSON output keeps its value.
 * @example toLogText('a.B.ok\n::add-mask::BLOCKED') // 'a.B.ok\n\\u003a:add-mask::BLOCKED'
 */
export function toLogText(text: string): string {
  return toTerminalText(text)
    .replace(/##\[/g, '\\u0023#[')
    .replace(/^(\s*)::/gm, '$1\\u003a:');
}

/**
 * `text` for one line of a report: a new line in it shown as `\n` (CR as `\r`), then
 * `toTerminalText`. A quoted string (a test name from a JUnit report, an approver's comment) that
 * kept its new lines would add lines to the report that read as its own ("Required:" and "(none)"
 * under a blocked verdict).
 * @example toOneLineText('a\nb') // 'a\\nb'
 */
export function toOneLineText(text: string): string {
  return toTerminalText(text.replace(/\r/g, '\\r').replace(/\n/g, '\\n'));
}
