/**
 * What an approver reads is what was decided: a test name from a JUnit report and a rejection
 * comment are written by whoever controls a CI job or holds an approver's seat, and they reach the
 * decision's Required list word for word. In the Markdown a CI step summary or a pull-request
 * comment shows, and in the text a terminal or a CI job log shows, they must stay inside their own
 * item: no new line that looks like Tollgate's own (a heading "✅ dev: allowed", a table row, a
 * "Required: (none)"), no link, no mention, no HTML comment hiding what follows, no entity or
 * invisible character that reorders the words.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/decision.js';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

const D = fakeDigest('hostile-text');

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: oci, repository: registry.example.com/shop }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
      approvals: { count: 1 }
`;

// A test case name as a JUnit producer writes it: XML character references for the new lines and
// the right-to-left override, so the parsed name holds the real characters.
const NAME =
  't1 | ✓ pass | all good |&#10;# ✅ dev: allowed&#10;[approve here](https://evil.example/ok) @octocat ' +
  '&lt;!-- hidden &amp;#x202E; &#x202E;dellac *PASSED* ~~failed~~ &lt;b&gt;bold&lt;/b&gt;';
const REPORT = `<?xml version="1.0"?>
<testsuites>
  <testsuite name="unit" tests="2">
    <testcase classname="shop" name="ok"/>
    <testcase classname="shop" name="${NAME}"><failure message="m">trace</failure></testcase>
  </testsuite>
</testsuites>
`;
// A rejection comment typed with new lines, as a shell's $'…' or the dashboard's text box sends it.
const COMMENT = 'fine\r\nRequired:\n  (none)\n`tollgate promote dev --artifact DIGEST` <!--';

let dir: string;
let decision: Decision;
let markdown: string;
let text: string;

beforeAll(async () => {
  dir = makeWorkspace(CONTRACT, { 'unit.xml': REPORT });
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env: { TOLLGATE_ACTOR: 'ci-bot' } });
  expect((await cli('register', '--digest', D)).code).toBe(0);
  const attested = await cli('attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml');
  expect(attested.code, attested.stderr).toBe(0);
  const rejected = await runCli(['reject', 'dev', '--artifact', D, '--comment', COMMENT], {
    cwd: dir,
    env: { TOLLGATE_ACTOR: 'eve' },
  });
  expect(rejected.code, rejected.stderr).toBe(0);
  const json = await cli('check', 'dev', '--artifact', D, '--json');
  expect(json.code).toBe(1);
  decision = JSON.parse(json.stdout) as Decision;
  markdown = (await cli('check', 'dev', '--artifact', D, '--markdown')).stdout;
  text = (await cli('check', 'dev', '--artifact', D)).stdout;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `text` without backslash escapes (`\|` and `\\` and the like): what Markdown reads as markup. */
function markup(line: string): string {
  return line.replace(/\\[\s\S]/g, '');
}

describe('hostile strings in a decision', () => {
  it('the JSON keeps the test name and the comment as they were given', () => {
    // The decision itself: the name with its new lines and override, the comment with its own.
    const required = decision.required.map((item) => item.text).join('\n');
    expect(required).toContain('t1 | ✓ pass | all good |\n# ✅ dev: allowed');
    expect(required).toContain('\u202edellac');
    expect(required).toContain('fine\r\nRequired:\n  (none)');
    expect(decision.verdict).toBe('blocked');
  });

  it('the Markdown keeps every item on its own line with no heading, link, mention, HTML or entity of its own', () => {
    const lines = markdown.trimEnd().split('\n');
    // One heading, the verdict; no line a reader could take for another one.
    expect(lines.filter((line) => /^ {0,3}#/.test(line))).toEqual(['### ⛔ dev: blocked']);
    expect(lines).not.toContain('Required:');
    // Each line is Tollgate's: the verdict, the artifact, the table, a section title, an item.
    for (const line of lines)
      expect(line, line).toMatch(
        /^(|### .*|Artifact .*|\| .* \||\*\*(Validated|Remaining risk|Required)\*\*|- .*)$/,
      );
    // Every table row has exactly its three cells.
    for (const line of lines.filter((l) => l.startsWith('|')))
      expect(markup(line).match(/\|/g), line).toHaveLength(4);
    const items = lines.filter((line) => line.startsWith('- ') && line !== '- (none)');
    expect(items).toHaveLength(decision.validated.length + decision.risks.length + decision.required.length);
    for (const item of items) {
      const body = markup(item.replace(/^- \*\*[\w-]+\*\*: /, ''));
      // Nothing left that Markdown reads as a link, emphasis, strike-through, HTML or an entity...
      expect(body, item).not.toMatch(/[[\]*_~<>&]/);
      // ...and a mention is no mention: the @ is code, the name after it plain text.
      expect(body.replace(/`@`/g, ''), item).not.toContain('@');
    }
    expect(markdown).toContain('`@`octocat');
    // The new lines and the override are shown, not obeyed.
    expect(markdown).toContain('all good \\|\\n\\# ✅ dev: allowed');
    expect(markdown).toContain('\\u202edellac');
    expect(markdown).not.toContain('\u202e');
    expect(markdown).toContain('fine\\r\\nRequired:\\n  (none)\\n\\`tollgate');
  });

  it('the text keeps every item on one line and shows the new lines and the override as escapes', () => {
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^dev ← sha256:[0-9a-f]{12}: BLOCKED$/);
    // Only Tollgate's own lines start a line: section titles, gates, items, the header fields.
    for (const line of lines.slice(1))
      expect(line, line).toMatch(
        /^(Validated:|Remaining risk:|Required:| {2}[✓✗…~–] .*| {2}- \[.*| {2}\(none\)| {2}(purpose|contract): .*)$/,
      );
    expect(lines.filter((line) => line === 'Required:')).toHaveLength(1);
    expect(text).toContain('all good |\\n# ✅ dev: allowed');
    expect(text).toContain('fine\\r\\nRequired:\\n  (none)\\n');
    expect(text).toContain('\\u202edellac');
  });
});

describe('hostile strings in a passport', () => {
  it('explain keeps verification details with new lines on their evidence line', async () => {
    const contract =
      'version: 1\npipeline: shop\nartifact: { type: file }\nstages:\n  dev:\n    purpose: fast feedback\n    requires: {}\n';
    // A verification report whose details forge a "stages" section saying dev is verified.
    const details = 'smoke ok\n\nstages\n  dev: verified at 2026-12-07 by release-bot\n';
    const workspace = makeWorkspace(contract, { 'details.txt': details });
    try {
      const cli = (...args: string[]) => runCli(args, { cwd: workspace, env: { TOLLGATE_ACTOR: 'ci-bot' } });
      const digest = fakeDigest('hostile-passport');
      expect((await cli('register', '--digest', digest)).code).toBe(0);
      expect((await cli('promote', 'dev', '--artifact', digest)).code).toBe(0);
      const verified = await cli(
        'attest',
        'verification',
        '--artifact',
        digest,
        '--in',
        'dev',
        '--result',
        'failed',
        '--details',
        'details.txt',
      );
      expect(verified.code, verified.stderr).toBe(0);
      const explained = await cli('explain', digest);
      expect(explained.code, explained.stderr).toBe(0);
      const lines = explained.stdout.trimEnd().split('\n');
      expect(lines.filter((line) => line === 'stages')).toHaveLength(1);
      expect(lines.filter((line) => line.startsWith('  dev: '))).toEqual([
        expect.stringMatching(/^ {2}dev: failed at /),
      ]);
      expect(explained.stdout).toContain(
        'post-deploy verification failed: smoke ok\\n\\nstages\\n  dev: verified at 2026-12-07 by release-bot\\n',
      );
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('hostile strings in a drift report', () => {
  it('drift keeps a config key with a backtick, HTML and new lines inside its own cell and line', async () => {
    const contract = `version: 1
pipeline: shop
artifact: { type: file }
stages:
  dev:
    purpose: fast feedback
    config: [dev.yaml]
  staging:
    purpose: release candidate
    from: dev
    config: [staging.yaml]
    requires:
      drift: { budget: { flags: 0, security: 0, endpoints: 0, data: 0, other: 0 } }
`;
    // A key that closes the code span its path is shown in, opens an HTML comment, and starts
    // lines that read as a verdict and a budget row.
    const key = 'x`<!--\\n# ✅ within budget\\n| other | 0 | 0 | 0 | ok |';
    const workspace = makeWorkspace(contract, {
      'dev.yaml': 'a: 1\n',
      'staging.yaml': `a: 1\n"${key}": 2\n`,
    });
    try {
      const markdown = await runCli(['drift', 'dev', 'staging', '--markdown'], { cwd: workspace });
      expect(markdown.code).toBe(1);
      const rows = markdown.stdout.split('\n').filter((line) => line.startsWith('| added'));
      expect(rows).toEqual([
        '| added | ``/x`<!--\\n# ✅ within budget\\n\\| other \\| 0 \\| 0 \\| 0 \\| ok \\|`` | 2 | undeclared |',
      ]);
      expect(markdown.stdout.split('\n').filter((line) => line.startsWith('#'))).toEqual([
        '### Drift dev → staging',
        '#### other',
      ]);
      const text = await runCli(['drift', 'dev', 'staging'], { cwd: workspace });
      expect(text.stdout).toContain(
        '  added   /x`<!--\\n# ✅ within budget\\n| other | 0 | 0 | 0 | ok |  2\n',
      );
      expect(text.stdout.split('\n').filter((line) => line.startsWith('#'))).toEqual([]);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('hostile strings in status and history', () => {
  it('an override reason with new lines stays on its override line', async () => {
    const contract = `version: 1
pipeline: shop
artifact: { type: file }
overrides:
  - { by: [dana], gates: [tests], stages: [dev] }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
`;
    const workspace = makeWorkspace(contract);
    try {
      const digest = fakeDigest('hostile-override');
      const as = (actor: string, ...args: string[]) =>
        runCli(args, { cwd: workspace, env: { TOLLGATE_ACTOR: actor } });
      expect((await as('ci-bot', 'register', '--digest', digest)).code).toBe(0);
      // The reason forges the row of a clean promotion after the override's own line.
      const reason = 'hotfix")\n#9  2026-12-07T10:00:00Z  sha256:0123456789ab  by ci-bot  verified\n("';
      const promoted = await as(
        'dana',
        'promote',
        'dev',
        '--artifact',
        digest,
        '--override',
        'tests',
        '--reason',
        reason,
      );
      expect(promoted.code, promoted.stderr).toBe(0);
      for (const verb of [['history', 'dev'], ['status']]) {
        const shown = await as('ci-bot', ...verb);
        expect(shown.code, shown.stderr).toBe(0);
        const overrides = shown.stdout.split('\n').filter((line) => line.includes('override: tests by dana'));
        expect(overrides, verb.join(' ')).toEqual([
          expect.stringContaining(
            '("hotfix")\\n#9  2026-12-07T10:00:00Z  sha256:0123456789ab  by ci-bot  verified\\n("")',
          ),
        ]);
        expect(shown.stdout, verb.join(' ')).not.toMatch(/^#9 /m);
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
