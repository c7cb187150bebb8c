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
