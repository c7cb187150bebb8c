/**
 * Every text the page shows, with the characters a reader cannot see made visible. A CI job writes
 * labels, test names and messages, scanner names, drift keys and comments; a bidirectional override
 * (U+202E) in one reverses what follows it on the line ("into prod" read from a label that says
 * otherwise), a zero-width space makes `1.4.2` and `1.4\u200b.2` two labels that look one. Such a
 * character is shown as `\uXXXX`, as the CLI shows it (the one list of those characters is in
 * src/text/terminal-text.ts); tab and newline stay. Installed once as a Preact hook on every text
 * node, so no view can forget it.
 */
import { options } from 'preact';
import { toTerminalText } from '../text/terminal-text.js';

/** `text` with every invisible or reordering character written as a visible `\uXXXX`. */
export const visibleText = toTerminalText;

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
