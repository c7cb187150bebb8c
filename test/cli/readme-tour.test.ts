/**
 * README.md's "A five-minute tour", walked as written: its contract, then every `tollgate` command
 * of its shell blocks in order, in a throwaway directory with the built binary. The decision the
 * README shows must be the one `check` prints at that point, line for line (times and the
 * artifact's short digest aside: they depend on when and what is built), and the commands after it
 * must end in an allowed promotion into prod. A tour that skips a step, or an output that drifted,
 * fails here.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';

interface Block {
  lang: string;
  text: string;
}

/** The fenced blocks of the tour, in order, with the list item's indentation taken off. */
function tourBlocks(): Block[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const tour = readme.slice(readme.indexOf('## A five-minute tour'), readme.indexOf('## Run it for a team'));
  return [...tour.matchAll(/^( *)```(\w+)\n([\s\S]*?)^ *```$/gm)].map(([, indent, lang, body]) => ({
    lang: lang!,
    text: body!
      .split('\n')
      .map((line) => (line.startsWith(indent!) ? line.slice(indent!.length) : line))
      .join('\n'),
  }));
}

/** The `tollgate …` commands of a shell block as argument lists, the digest put in for `sha256:…`. */
function commandsOf(block: Block, digest: string): string[][] {
  return block.text
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('tollgate '))
    .map((line) =>
      line
        .split(/\s+/)
        .slice(1)
        .map((word) => (word === 'sha256:…' ? digest : word)),
    );
}

/** A JUnit report of `count` passing test cases. */
function junit(suite: string, count: number): string {
  const cases = Array.from({ length: count }, (_, i) => `<testcase classname="${suite}" name="t${i}"/>`);
  return `<testsuite name="${suite}" tests="${count}">${cases.join('')}</testsuite>\n`;
}

/** What depends on the moment and the bytes built: ISO times, and the short digest after `←`. */
function normalised(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
    .replace(/← sha256:[0-9a-f]{12}/g, '← ARTIFACT')
    .trimEnd();
}

describe('README: a five-minute tour', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-readme-tour-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { TOLLGATE_ACTOR: 'ci-bot' };

  it('runs as written and prints the decision it shows', async () => {
    const blocks = tourBlocks();
    const contract = blocks.find((block) => block.lang === 'yaml');
    expect(contract, 'the tour has a yaml block: its contract').toBeDefined();
    writeFileSync(join(dir, 'tollgate.yaml'), contract!.text);
    mkdirSync(join(dir, 'build'));
    writeFileSync(join(dir, 'build', 'app.tar'), 'the artifact the tour registers\n');
    mkdirSync(join(dir, 'reports'));
    writeFileSync(join(dir, 'reports', 'unit.xml'), junit('unit', 50));
    writeFileSync(join(dir, 'reports', 'integration.xml'), junit('integration', 5));
    writeFileSync(join(dir, 'reports', 'e2e.xml'), junit('e2e', 3));

    const validate = await runCli(['validate'], { cwd: dir, env });
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);

    const shown = blocks.findIndex((block) => block.lang === 'text');
    expect(shown, 'the tour shows a decision in a text block').toBeGreaterThan(0);
    let digest = '';
    const run = async (args: string[]) => {
      const result = await runCli(args, { cwd: dir, env });
      expect(result.code, `tollgate ${args.join(' ')}: ${result.stderr}`).toBe(0);
      digest ||= /^registered (sha256:[0-9a-f]{64})/.exec(result.stdout)?.[1] ?? '';
    };
    for (const block of blocks.slice(0, shown).filter((b) => b.lang === 'sh'))
      for (const args of commandsOf(block, digest)) await run(args);
    expect(digest, 'the tour registers an artifact before the decision it shows').not.toBe('');

    const [prompt, ...expected] = blocks[shown]!.text.trimEnd().split('\n');
    expect(prompt).toBe('$ tollgate check prod --artifact sha256:…');
    const check = await runCli(['check', 'prod', '--artifact', digest], { cwd: dir, env });
    expect(check.code).toBe(1);
    expect(normalised(check.stdout)).toBe(normalised(expected.join('\n')));

    const after = blocks.slice(shown + 1).filter((b) => b.lang === 'sh');
    for (const block of after) for (const args of commandsOf(block, digest)) await run(args);
    const status = await runCli(['status', '--json'], { cwd: dir, env });
    expect(status.stdout).toContain(`"stage": "prod"`);
    expect(JSON.stringify(JSON.parse(status.stdout))).toMatch(
      new RegExp(`"stage":"prod"[^}]*"digest":"${digest}"`),
    );
  });
});
