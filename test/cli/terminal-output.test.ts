/**
 * What the CLI prints quotes reports, events and file names; none of them may drive the terminal
 * (ESC sequences, CR, bidirectional overrides), nor hide in it (a zero-width space making two
 * labels look one). JSON output keeps the exact values.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toTerminalText } from '../../src/text/terminal-text.js';
import { fakeDigest, junit, makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';

const D = fakeDigest('terminal');
// Moves up a line, clears it and writes a green pass over the real verdict.
const FORGED = 'x\u001b[1A\u001b[2K\r\u001b[32m  \u2713 tests  pass\u202e';
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

function event(reason: string): string {
  return JSON.stringify({
    context: {
      specversion: '0.4.1',
      id: '1',
      source: '/ci',
      type: 'dev.cdevents.testsuiterun.finished.0.2.0',
      timestamp: '2026-12-05T10:00:00Z',
    },
    subject: { id: 'run-1', content: { outcome: 'failure', reason, testSuite: { id: 'unit' } } },
  });
}

describe('terminal output', () => {
  it('shows control characters as escapes and leaves tab and newline', () => {
    expect(toTerminalText('a\u001b[2Jb\r\u0007\u009b\u202e\tc\nd')).toBe(
      'a\\u001b[2Jb\\u000d\\u0007\\u009b\\u202e\tc\nd',
    );
    // Inside a JSON string the escape is the same character.
    expect(JSON.parse(toTerminalText(JSON.stringify({ s: 'a\u202eb' })))).toEqual({ s: 'a\u202eb' });
  });

  it('a failure reason from an event cannot rewrite the decision on screen; --json keeps it exactly', async () => {
    const dir = makeWorkspace(THREE_STAGES, { 'ev.json': event(FORGED) });
    expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
    const recorded = await runCli(['attest', 'cdevent', '--artifact', D, 'ev.json'], { cwd: dir });
    expect(recorded.code, recorded.stderr).toBe(0);
    const check = await runCli(['check', 'dev', '--artifact', D], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('\\u001b[1A');
    expect(check.stdout).not.toMatch(CONTROL);
    const json = await runCli(['check', 'dev', '--artifact', D, '--json'], { cwd: dir });
    expect(json.stdout).not.toMatch(CONTROL);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(FORGED).slice(1, -1));
  });

  it('shows the characters the dashboard shows as escapes, zero-width and soft hyphen included', () => {
    expect(toTerminalText('1.4\u200b.2 \u00ad\u2060\ufeff\u200d')).toBe(
      '1.4\\u200b.2 \\u00ad\\u2060\\ufeff\\u200d',
    );
  });

  it('a label with a zero-width space does not look like the label without it', async () => {
    const dir = makeWorkspace(THREE_STAGES);
    const label = 'version=1.4\u200b.2';
    expect((await runCli(['register', '--digest', D, '--label', label], { cwd: dir })).code).toBe(0);
    const explain = await runCli(['explain', D], { cwd: dir });
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toContain('version=1.4\\u200b.2');
    const json = await runCli(['explain', D, '--json'], { cwd: dir });
    expect(json.stdout).not.toContain('\u200b');
    expect(JSON.parse(json.stdout).artifact.labels.version).toBe('1.4\u200b.2');
  });

  it('a file name with control characters is escaped in an error', async () => {
    const name = 'r\u001b]0;owned\u0007\u001b[31m.xml';
    const dir = makeWorkspace(THREE_STAGES, { 'r.xml': junit(['pass']) });
    copyFileSync(join(dir, 'r.xml'), join(dir, name));
    expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
    const result = await runCli(['attest', 'sbom', '--artifact', D, name], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('r\\u001b]0;owned\\u0007\\u001b[31m.xml: expected an SBOM');
    expect(result.stderr).not.toMatch(CONTROL);
  });
});
