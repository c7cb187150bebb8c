/**
 * Reports shaped to make the tests gate say yes: each must count what it shows as failing, or be
 * refused. The attacker round of docs/evidence-junit.md ("A failure is never hidden").
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseJunit } from '../../src/evidence/junit-parser.js';

function parse(text: string) {
  return parseJunit({ stream: Readable.from([Buffer.from(text)]), name: 'attack.xml' });
}

function counts(totals: Awaited<ReturnType<typeof parse>>) {
  const { tests, passed, failed, errored, skipped } = totals;
  return { tests, passed, failed, errored, skipped };
}

describe('a failure element is a failure whatever its letter case or namespace prefix', () => {
  it('counts <Failure>, <ERROR> and a prefixed <x:failure> inside a test case', async () => {
    const totals = await parse(
      `<testsuite name="s">
        <testcase name="a"><Failure message="upper"/></testcase>
        <testcase name="b"><ERROR message="shouting"/></testcase>
        <testcase name="c"><x:failure xmlns:x="urn:x" message="prefixed"/></testcase>
        <testcase name="d"><system-out><j:Error xmlns:j="urn:j">deep</j:Error></system-out></testcase>
      </testsuite>`,
    );
    expect(counts(totals)).toEqual({ tests: 4, passed: 0, failed: 2, errored: 2, skipped: 0 });
    expect(totals.failures.map((f) => f.message)).toEqual(['upper', 'shouting', 'prefixed', 'deep']);
  });

  it('counts a <Failure> directly in a suite as a failing test named after it', async () => {
    const totals = await parse(
      '<testsuite name="s"><FAILURE message="setup"/><testcase name="a"/></testsuite>',
    );
    expect(counts(totals)).toEqual({ tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0 });
  });

  it('reads <Skipped/> and a prefixed <x:skipped/> as a skip, never as a pass', async () => {
    const totals = await parse(
      '<testsuite name="s"><testcase name="a"><Skipped/></testcase><testcase name="b"><x:skipped xmlns:x="urn:x"/></testcase></testsuite>',
    );
    expect(counts(totals)).toEqual({ tests: 2, passed: 0, failed: 0, errored: 0, skipped: 2 });
  });

  it('still reads an element whose name only contains failure as nothing', async () => {
    const totals = await parse(
      '<testsuite name="s"><testcase name="a"><failures/><errorlog/></testcase></testsuite>',
    );
    expect(counts(totals)).toEqual({ tests: 1, passed: 1, failed: 0, errored: 0, skipped: 0 });
  });
});

describe('GoogleTest result values are read in any letter case', () => {
  it('counts result SUPPRESSED and Skipped as skips, never as passes', async () => {
    const totals = await parse(
      `<testsuite name="s">
        <testcase name="DISABLED_a" status="notrun" result="SUPPRESSED"/>
        <testcase name="b" status="run" result=" Skipped "/>
        <testcase name="c" status="run" result="completed"/>
      </testsuite>`,
    );
    expect(counts(totals)).toEqual({ tests: 3, passed: 1, failed: 0, errored: 0, skipped: 2 });
  });
});

describe('a repeated name never clears a failure unless it is the same test, exactly', () => {
  const failThenPass = (first: string, second: string) =>
    parse(
      `<testsuite name="s">${first.replace('/>', '><failure message="boom"/></testcase>')}${second}</testsuite>`,
    );

  it('keeps the failure when the passing repeat differs in classname case, whitespace or a look-alike letter', async () => {
    const variants = [
      ['<testcase classname="Cart" name="adds"/>', '<testcase classname="cart" name="adds"/>'],
      ['<testcase classname="Cart" name="adds"/>', '<testcase classname="Cart" name="adds "/>'],
      // Cyrillic а (U+0430) in place of the Latin a.
      ['<testcase classname="Cart" name="adds"/>', '<testcase classname="Cart" name="\u0430dds"/>'],
      // The same letter composed (U+00E9) and decomposed (e and U+0301).
      ['<testcase classname="Cart" name="caf\u00e9"/>', '<testcase classname="Cart" name="cafe\u0301"/>'],
    ];
    for (const [first, second] of variants) {
      const totals = await failThenPass(first!, second!);
      expect(counts(totals)).toEqual({ tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0 });
      expect(totals.reruns).toBeUndefined();
    }
  });

  it('keeps the failure when the same name passes in another suite, nested or beside it', async () => {
    const totals = await parse(
      `<testsuites>
        <testsuite name="a"><testcase classname="C" name="t"><failure/></testcase>
          <testsuite name="a-inner"><testcase classname="C" name="t"/></testsuite>
        </testsuite>
        <testsuite name="b"><testcase classname="C" name="t"/></testsuite>
      </testsuites>`,
    );
    expect(counts(totals)).toEqual({ tests: 3, passed: 2, failed: 1, errored: 0, skipped: 0 });
    expect(totals.reruns).toBeUndefined();
  });
});

describe('a report cannot blow up the evidence it leaves', () => {
  it('cuts failing test names and classnames at 500 characters, as messages are', async () => {
    const long = 'x'.repeat(100_000);
    const totals = await parse(
      `<testsuite name="s"><testcase classname="${long}" name="${long}"><failure message="m"/></testcase></testsuite>`,
    );
    expect(totals.failed).toBe(1);
    const [failure] = totals.failures;
    expect(failure?.name).toHaveLength(500);
    expect(failure?.name.endsWith('…')).toBe(true);
    expect(failure?.classname).toHaveLength(500);
  });
});
