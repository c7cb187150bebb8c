/**
 * Links in README.md and docs/*.md that point inside the repository: the file (or folder) must
 * exist, and an anchor (`#section`) must name a heading of the file it points to, slugged the way
 * GitHub renders it. A renamed heading or a moved file otherwise leaves a reader on a dead link.
 * External links (http:, https:, mailto:) are not fetched.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/** GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .trim()
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings (a repeated one gets -1, -2, …) and explicit ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]!);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const [, id] of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(id!);
  }
  return anchors;
}

/** Inline links and images outside code, as [line, target]. */
function linksOf(markdown: string): Array<[number, string]> {
  const links: Array<[number, string]> = [];
  let fenced = false;
  markdown.split('\n').forEach((line, index) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const [, target] of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push([index + 1, target!]);
    }
  });
  return links;
}

/** What is wrong with each local link of `file`, as `file:line: message`. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const name = relative(ROOT, file);
  return linksOf(text).flatMap(([line, target]) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return [];
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path));
    if (!existsSync(resolved)) return [`${name}:${line}: ${target} — no file ${relative(ROOT, resolved)}`];
    if (anchor === undefined || anchor === '') return [];
    if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) return [];
    if (anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor))) return [];
    return [`${name}:${line}: ${target} — ${relative(ROOT, resolved)} has no heading with anchor #${anchor}`];
  });
}

const DOCS = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((entry) => entry.endsWith('.md'))
    .map((entry) => join(ROOT, 'docs', entry)),
];

describe('documentation links', () => {
  it('slug headings the way GitHub renders their anchors', () => {
    expect(slug('Contracts, uploads, versions and the contract in force')).toBe(
      'contracts-uploads-versions-and-the-contract-in-force',
    );
    expect(slug('The `from` gate: same digest')).toBe('the-from-gate-same-digest');
    expect(slug('Exit codes (0–4)')).toBe('exit-codes-04');
    expect([...anchorsOf('# A\n## B\n```\n# not a heading\n```\n## B\n')]).toEqual(['a', 'b', 'b-1']);
  });

  it('report a missing file and a missing anchor with the file and line', () => {
    expect(linksOf('see [x](docs/none.md#top) and `[y](z.md)`\n```\n[q](r.md)\n```\n')).toEqual([
      [1, 'docs/none.md#top'],
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-links-'));
    try {
      writeFileSync(join(dir, 'a.md'), '# Top\n\n[ok](#top) [gone](b.md)\n[bad](#nowhere) [ok](a.md#top)\n');
      expect(brokenLinks(join(dir, 'a.md')).map((line) => line.replace(/^.*a\.md:/, 'a.md:'))).toEqual([
        expect.stringMatching(/^a\.md:3: b\.md — no file /),
        expect.stringMatching(/^a\.md:4: #nowhere — .*a\.md has no heading with anchor #nowhere$/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in README.md and docs/*.md all resolve to a file and, where named, a heading', () => {
    expect(DOCS.flatMap(brokenLinks)).toEqual([]);
  });
});
