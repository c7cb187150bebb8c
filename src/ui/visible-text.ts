/**
 * Every text the page shows, with the characters a reader cannot see made visible. A CI job writes
 * labels, test names and messages, scanner names, drift keys and comments; a bidirectional override
 * (U+202E) in one reverses what follows it on the line ("into prod" read from a label that says
 * otherwise), a zero-width space makes `1.4.2` and `1.4.2` two labels that look one. Such a
 * character is shown as `\uXXXX`, as the CLI shows it (src/text/terminal-text.ts); tab and newline
 * stay. Installed once as a Preact hook on every text node, so no view can forget it.
 */
import { options } from 'preact';

// C0 and C1 controls but tab and newline, the soft hyphen, the Arabic letter mark, zero-width
// space, joiners and marks, the bidirectional embeddings, overrides and isolates, word joiner and
// invisible operators, and the byte order mark.
const HIDDEN =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** `text` with every invisible or reordering character written as a visible `\uXXXX`. */
export function visibleText(text: string): string {
  return text.replace(HIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

let installed = false;

/** Rewrites every text node the page renders with `visibleText` (once per page). */
export function showHiddenCharacters(): void {
  if (installed) return;
  installed = true;
  const previous = options.vnode;
  options.vnode = (vnode) => {
    // A text node is a vnode without a type whose props are its text.
    if (vnode.type === null && typeof vnode.props === 'string')
      (vnode as { props: unknown }).props = visibleText(vnode.props);
    previous?.(vnode);
  };
}
