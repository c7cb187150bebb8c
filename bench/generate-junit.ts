/**
 * Writes a large, realistic JUnit report for benchmarks: surefire-shaped suites of 100 test cases,
 * with failures carrying CDATA stack traces, errors, skipped tests, retried (flaky) tests and
 * some <system-out>. About 360 bytes per test case: 100,000 test cases make ~36 MB.
 * Deterministic: the same arguments always write the same bytes.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export interface GeneratedJunit {
  path: string;
  bytes: number;
  /** The totals a correct parser must report for this file (every test case a test). */
  expected: {
    tests: number;
    passed: number;
    failed: number;
    errored: number;
    skipped: number;
    flaky: number;
  };
  /** Test cases that repeat an earlier one (retried tests); merged, each is one flaky test. */
  repeats: number;
}

export interface GenerateJunitOptions {
  /** Test cases per <testsuite>; default 100. */
  suiteSize?: number;
}

/**
 * @example const report = await generateJunit(join(tmpdir(), 'big.xml'), 100_000);
 */
export async function generateJunit(
  path: string,
  testcases: number,
  options: GenerateJunitOptions = {},
): Promise<GeneratedJunit> {
  const suiteSize = options.suiteSize ?? 100;
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  const expected = { tests: 0, passed: 0, failed: 0, errored: 0, skipped: 0, flaky: 0 };
  let repeats = 0;
  let bytes = 0;
  let buffer = '';
  const write = async (text: string) => {
    buffer += text;
    if (buffer.length < 512 * 1024) return;
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };

  await write(
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="generated" tests="${testcases}" time="1,234.567">\n`,
  );
  for (let start = 0, suite = 0; start < testcases; start += suiteSize, suite++) {
    const count = Math.min(suiteSize, testcases - start);
    const classname = `com.example.module${suite % 97}.generated.Suite${suite}Test`;
    await write(
      `  <testsuite name="${classname}" tests="${count}" failures="0" errors="0" skipped="0" time="1.5" timestamp="2026-11-26T10:00:00">\n` +
        '    <properties><property name="java.version" value="21.0.2"/><property name="os.name" value="Linux"/></properties>\n',
    );
    for (let i = 0; i < count; i++) {
      const n = start + i;
      const name = `shouldHandleCase${n}WithSomeDescriptiveName`;
      const file = `src/test/java/com/example/module${suite % 97}/generated/Suite${suite}Test.java`;
      const head = `    <testcase name="${name}" classname="${classname}" file="${file}" time="0.${String(n % 1000).padStart(3, '0')}"`;
      expected.tests += 1;
      if (n % 50 === 7) {
        expected.failed += 1;
        await write(
          `${head}>\n      <failure message="expected: &lt;${n}&gt; but was: &lt;${n + 1}&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected: <${n}> but was: <${n + 1}>\n\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:55)\n\tat ${classname}.${name}(Suite${suite}Test.java:${40 + (n % 200)})\n]]></failure>\n    </testcase>\n`,
        );
      } else if (n % 200 === 13) {
        expected.errored += 1;
        await write(
          `${head}>\n      <error message="Connection refused" type="java.net.ConnectException">java.net.ConnectException: Connection refused\n\tat ${classname}.${name}(Suite${suite}Test.java:12)</error>\n      <system-out><![CDATA[connecting to db-${n}.internal:5432 ... retry 1 ... retry 2 ... giving up\n]]></system-out>\n    </testcase>\n`,
        );
      } else if (n % 100 === 21) {
        expected.skipped += 1;
        await write(`${head}>\n      <skipped message="disabled on CI"/>\n    </testcase>\n`);
      } else if (n % 250 === 42) {
        // A retried test: fails once, passes on the rerun. Every test case counts (one failed,
        // one passed); merged as reruns it is one passed, flaky test.
        expected.tests += 1;
        expected.failed += 1;
        expected.passed += 1;
        repeats += 1;
        await write(
          `${head}>\n      <failure message="timeout after 5s" type="java.util.concurrent.TimeoutException">java.util.concurrent.TimeoutException</failure>\n    </testcase>\n${head}/>\n`,
        );
      } else if (n % 2 === 1) {
        // Half the passing tests logged something, as real suites do.
        expected.passed += 1;
        await write(
          `${head}>\n      <system-out><![CDATA[INFO  [main] c.e.CheckoutService - handled request ${n} in ${n % 17} ms (status=200, user=bench-user-${n}, region=eu-central-1)\nDEBUG [main] c.e.Cache - hit ratio 0.${n % 100}\nTRACE [main] c.e.Db - SELECT * FROM orders WHERE id = ? took ${n % 9} ms\n]]></system-out>\n    </testcase>\n`,
        );
      } else {
        expected.passed += 1;
        await write(`${head}/>\n`);
      }
    }
    await write('  </testsuite>\n');
  }
  buffer += '</testsuites>\n';
  bytes += Buffer.byteLength(buffer);
  out.end(buffer);
  await once(out, 'finish');
  return { path, bytes, expected, repeats };
}
