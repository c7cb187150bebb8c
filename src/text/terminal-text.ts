/**
 * Text for a terminal. What the CLI prints quotes what it was given: file names, suite names,
 * test names, tool names and reasons from reports and events. A control character in them (ESC
 * starting a colour, a cursor move, a screen clear or a window title; CR returning to the line's
 * start; a bidirectional override reversing what follows) would let a report or a file name
 * rewrite what the person reads, such as a "BLOCKED" turned into "ALLOWED". Such characters are
 * shown as `\uXXXX` instead; tab and newline stay. Inside a JSON string `\uXXXX` is the same
 * character, so JSON output keeps its value.
 */

// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional marks and overrides.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character that could move the cursor, colour or reorder the terminal
 * written as a visible `\uXXXX` escape.
 * @example toTerminalText('a\u001b[2Jb') // 'a\\u001b[2Jb'
 */
export function toTerminalText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
