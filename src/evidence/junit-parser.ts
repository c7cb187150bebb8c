/**
 * Streaming JUnit XML reader: turns one report (surefire, pytest, jest-junit, Node's reporter,
 * mocha, catch2, cunit, nextest, marathon, xunit, go-junit-report…) into test totals without ever
 * holding the document in memory. This file is the driver (XML in, test cases out); the counting
 * rules are src/evidence/junit-counting.ts's, documented in docs/evidence-junit.md.
 */
import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { TollgateError, unreadableFile } from '../errors.js';
import { FAILED_NAMES_CAP, type TestCounts, type TestSummary } from './evidence.js';
import {
  type AcrossReports,
  type CaseRun,
  ERRORED,
  FAILED,
  JunitTally,
  type Outcome,
  PASSED,
  RETRY_MEMORY,
  SKIPPED,
  type SuiteListing,
  unlistedTests,
} from './junit-counting.js';
import { laterTime, statedTime } from './stated-time.js';
import { UnsupportedEncoding, XmlDecoder } from './xml-encoding.js';
import { doctypeText, type XmlDocumentKind, xmlErrorText } from './xml-errors.js';

export { ACROSS_MEMORY, AcrossReports, RETRY_MEMORY } from './junit-counting.js';

/**
 * Totals of one JUnit report (or of several, summed by `mergeTotals`): every `<testcase>` is a
 * test. `reruns` is the same report with repeated test cases merged as reruns, present when some
 * test case repeats an earlier one (same name, classname and file in one suite).
 */
export interface JunitTotals extends TestCounts {
  /** Test cases merged as reruns when the suite is declared retried; absent when none repeats. */
  reruns?: TestCounts;
  /** Test cases that repeat an earlier one's name, classname and file in the same suite. */
  repeats: number;
  /** The root element's `time`, else the sum of the test cases' `time`; absent when the file says neither. */
  durationSeconds?: number;
  /** The latest `timestamp` of a `<testsuite>` or `<testsuites>` (ISO 8601 UTC); absent when none states one. */
  ranAt?: string;
  /**
   * Of `skipped`, the skips suites only declare (`skipped=`) with no `<testcase>` for them
   * (mocha-junit-reporter leaves pending tests out); absent when there are none.
   */
  declaredSkipped?: number;
  /**
   * Test cases counted without looking for an earlier run of the same test, because the suites
   * open around them already held `retryMemory` test names. 0 except for giant single-suite reports.
   */
  retriesUntracked: number;
  /** Number of files summed into these totals. */
  files: number;
  /**
   * Test cases of a later file already seen in an earlier one (same suite name, classname, file
   * and name), counted once (`mergeTotals` with `AcrossReports`).
   */
  duplicates?: number;
  /** The suite name given in the options, carried for `toTestSummary`. */
  suite?: string;
}

export interface ParseJunitOptions {
  /** Suite name under which the totals will be recorded (carried into the result). */
  suite?: string;
  /**
   * How many test names (of the suites open at one time) are remembered to recognise retries;
   * default `RETRY_MEMORY` (about 30 MB). Failing tests are remembered up to twice as many.
   */
  retryMemory?: number;
  /**
   * Shared by the reports of one `attest tests` call: a test case already seen in an earlier one
   * counts once (see `AcrossReports`); sum the totals with `mergeTotals(list, across)`.
   */
  across?: AcrossReports;
}

export type JunitInput = { path: string } | { stream: NodeJS.ReadableStream; name: string };

/** Longest failure message kept, in characters. */
export const FAILURE_MESSAGE_CAP = 500;

/** Read size: large reads keep the parser busy instead of the event loop (see docs/evidence-junit.md). */
const CHUNK_BYTES = 1024 * 1024;

/** How messages name a JUnit report. */
const JUNIT: XmlDocumentKind = {
  format: 'JUnit XML',
  document: 'a JUnit report',
  wellFormed: 'a well-formed JUnit XML report',
  start: 'the report to start with <testsuites> or <testsuite>',
};

/** `status` values of a test case that did not run; `notrun` is GoogleTest's, for `DISABLED_` tests. */
const SKIP_STATUSES = new Set(['disabled', 'ignored', 'skipped', 'notrun']);
/**
 * `status` values of a test case that failed: CTest writes `status="fail"` (with a `<failure>`),
 * Pester `status="Failed"`. Without a `<failure>`/`<error>` element (a trimmed report) the status
 * is the report's own word that the test failed, and it counts.
 */
const FAIL_STATUSES = new Set(['fail', 'failed', 'failure', 'failing']);
/**
 * `status` values of a test case that did not pass for another reason: Allure's `broken`,
 * Playwright's `timedOut` and `interrupted`, a run timed out, aborted, crashed or cancelled. Read
 * as errors (only ever stricter). Compared lowercased with spaces, `_` and `-` removed (`timed_out`).
 * A word not listed here (`run`, `passed`, a word of one producer's own) leaves the outcome to the
 * elements, as before.
 */
const ERROR_STATUSES = new Set([
  'error',
  'errored',
  'broken',
  'timeout',
  'timedout',
  'aborted',
  'crashed',
  'interrupted',
  'cancelled',
  'canceled',
  'killed',
]);
/** GoogleTest's `result` of a test that did not run: `GTEST_SKIP()` (1.10 writes no <skipped>), `DISABLED_`. */
const SKIP_RESULTS = new Set(['skipped', 'suppressed']);

/** `time="<<computed>>"` as @web/test-runner writes it: a raw `<` in an attribute value (see `maskComputed`). */
const COMPUTED = '"<<computed>>';
const COMPUTED_MASKED = '"  computed>>';

interface OpenTestcase {
  depth: number;
  name: string;
  classname: string | undefined;
  file: string | undefined;
  skipped: boolean;
  failure: boolean;
  error: boolean;
  /** Its `<failure>` and `<error>` elements (a test case may hold several). */
  issues: number;
  /** The report marks an earlier failed attempt inside this test case. */
  rerunMarked: boolean;
  /**
   * The first `<rerunFailure>`/`<rerunError>` in it: surefire's record of a rerun that failed too.
   * Without a `<failure>`/`<error>` beside it nothing shows a final pass, so it fails the test.
   */
  rerunIssue: 'failure' | 'error' | undefined;
  rerunMessage: string | undefined;
  /** A `status` attribute saying the test failed or errored (`FAIL_STATUSES`), and its text. */
  statusIssue: 'failure' | 'error' | undefined;
  statusText: string | undefined;
  /** `status="notrun"` without GoogleTest's `result` attribute: CTest's word for a test it did not run. */
  notRun: boolean;
  /** The `message` of its `<skipped>` (first one), and whether it has one at all. */
  skippedElement: boolean;
  skipMessage: string | undefined;
  time: number | undefined;
  /** First failure or error: its kind, message and `type` (the message when it has no other). */
  issueKind: 'failure' | 'error' | undefined;
  message: string | undefined;
  issueType: string | undefined;
  /** A `<failure>`/`<error>` directly in a suite, read as a test case of its own (`openSuiteIssue`). */
  suiteLevel: boolean;
  /** Depth of the first issue element while its text is being collected. */
  collectDepth: number;
}

/**
 * Reads one JUnit XML report as a stream and counts its test cases.
 *
 * Counts come from `<testcase>` elements, never from suite attributes (nested suites would count
 * twice). A DOCTYPE is refused before anything in it is read, so neither entity expansion nor
 * external entities can happen. Memory stays bounded whatever the file size: the document is fed
 * to `saxes` in 1 MiB chunks and only counters, at most `FAILED_NAMES_CAP` failure names and the
 * test names of the suites currently open (to recognise retries) are kept.
 *
 * @throws TollgateError `EVIDENCE_INVALID` (malformed XML, DOCTYPE, wrong root element) naming the
 *   file, line and column; `FILE_UNREADABLE` when the path cannot be read.
 * @example const totals = await parseJunit({ path: 'target/surefire-reports/TEST-Calc.xml' }, { suite: 'unit' });
 */
export async function parseJunit(input: JunitInput, options: ParseJunitOptions = {}): Promise<JunitTotals> {
  const name = 'path' in input ? input.path : input.name;
  const source =
    'path' in input ? createReadStream(input.path, { highWaterMark: CHUNK_BYTES }) : input.stream;
  options.across?.startReport();
  const counter = new JunitCounter(name, options.retryMemory ?? RETRY_MEMORY, options.across);
  // UTF-8 unless a byte order mark or the XML declaration says otherwise (docs/evidence-junit.md).
  const decoder = new XmlDecoder();
  try {
    for await (const chunk of source as AsyncIterable<string | Buffer>) {
      counter.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    }
    counter.write(decoder.end());
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    if (error instanceof UnsupportedEncoding) throw invalidAt(name, 1, error.column, error.message);
    throw readError(name, error);
  }
  const totals = counter.finish();
  if (options.suite !== undefined) totals.suite = options.suite;
  return totals;
}

/**
 * Sums the totals of several files (one `attest tests` call with several reports). Failure names
 * stay capped at `FAILED_NAMES_CAP`, the rest counted in `failuresOmitted`; durations add up.
 * Repeated test cases are recognised as reruns within a file; the merged view of a file without
 * repeats is its own counts. With `across` (given to `parseJunit` for each file), a test case
 * already seen in an earlier file counted once (`AcrossReports`).
 * @example mergeTotals([await parseJunit({ path: 'a.xml' }), await parseJunit({ path: 'b.xml' })])
 */
export function mergeTotals(list: readonly JunitTotals[], across?: AcrossReports): JunitTotals {
  const merged: JunitTotals = { ...sumCounts(list), repeats: 0, retriesUntracked: 0, files: 0 };
  let duration: number | undefined;
  let declaredSkipped = 0;
  for (const totals of list) {
    declaredSkipped += totals.declaredSkipped ?? 0;
    merged.repeats += totals.repeats;
    merged.files += totals.files;
    merged.retriesUntracked += totals.retriesUntracked;
    if (totals.durationSeconds !== undefined) duration = (duration ?? 0) + totals.durationSeconds;
    if (merged.suite === undefined && totals.suite !== undefined) merged.suite = totals.suite;
    const ranAt = laterTime(merged.ranAt, totals.ranAt);
    if (ranAt !== undefined) merged.ranAt = ranAt;
  }
  const duplicates = across?.duplicates ?? 0;
  if (across !== undefined) {
    merged.duplicates = duplicates;
    merged.retriesUntracked += across.untracked;
  }
  if (merged.repeats > 0 || duplicates > 0) {
    const reruns = sumCounts(list.map((totals) => totals.reruns ?? totals));
    // A pass in a later report cleared a failure an earlier one lists: its name goes too.
    for (const cleared of across?.cleared ?? []) {
      const index = reruns.failures.findIndex(
        (f) => f.name === cleared.name && f.classname === cleared.classname,
      );
      if (index === -1) reruns.failuresOmitted = Math.max(0, reruns.failuresOmitted - 1);
      else reruns.failures.splice(index, 1);
    }
    merged.reruns = reruns;
  }
  if (duration !== undefined) merged.durationSeconds = roundSeconds(duration);
  if (declaredSkipped > 0) merged.declaredSkipped = declaredSkipped;
  return merged;
}

function sumCounts(list: readonly TestCounts[]): TestCounts {
  const sum: TestCounts = {
    tests: 0,
    passed: 0,
    failed: 0,
    errored: 0,
    skipped: 0,
    flaky: 0,
    failures: [],
    failuresOmitted: 0,
  };
  for (const counts of list) {
    sum.tests += counts.tests;
    sum.passed += counts.passed;
    sum.failed += counts.failed;
    sum.errored += counts.errored;
    sum.skipped += counts.skipped;
    sum.flaky += counts.flaky;
    sum.failuresOmitted += counts.failuresOmitted;
    for (const failure of counts.failures) {
      if (sum.failures.length < FAILED_NAMES_CAP) sum.failures.push(failure);
      else sum.failuresOmitted += 1;
    }
  }
  return sum;
}

/**
 * Turns totals into the `tests` evidence recorded for an artifact: every test case counted, and
 * the reruns-merged counts beside them when some test case repeats (the gate picks by the contract).
 * @param suite the contract's suite name (`--suite`); defaults to the one given to `parseJunit`.
 * @example toTestSummary(mergeTotals(list), 'unit')
 */
export function toTestSummary(totals: JunitTotals, suite: string | undefined = totals.suite): TestSummary {
  if (suite === undefined || suite === '') {
    throw new TollgateError('USAGE', 'a test summary needs a suite name (for example --suite unit)');
  }
  const summary: TestSummary = { kind: 'tests', suite, ...summaryCounts(totals) };
  if (totals.flaky > 0) summary.flaky = totals.flaky;
  if (totals.reruns !== undefined && (totals.repeats > 0 || (totals.duplicates ?? 0) > 0)) {
    summary.reruns = { repeats: totals.repeats, ...summaryCounts(totals.reruns), flaky: totals.reruns.flaky };
  }
  if (totals.durationSeconds !== undefined) summary.durationSeconds = totals.durationSeconds;
  if (totals.ranAt !== undefined) summary.ranAt = totals.ranAt;
  if (totals.declaredSkipped !== undefined) summary.declaredSkipped = totals.declaredSkipped;
  return summary;
}

function summaryCounts(counts: TestCounts) {
  return {
    tests: counts.tests,
    passed: counts.passed,
    failed: counts.failed,
    errored: counts.errored,
    skipped: counts.skipped,
    failures: counts.failures.slice(0, FAILED_NAMES_CAP),
    failuresOmitted: counts.failuresOmitted + Math.max(0, counts.failures.length - FAILED_NAMES_CAP),
  };
}

const PLAIN_SECONDS = /^\d+(\.\d+)?$/;

/**
 * Parses a JUnit `time` attribute in seconds. Accepts thousands separators (`1,234.5`, as some
 * surefire versions write under an English locale); anything else that is not a plain number
 * (for example `<<computed>>`) counts as unknown rather than as an error.
 */
export function parseSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (PLAIN_SECONDS.test(value)) return Number(value);
  let text = value.trim();
  if (/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(text)) text = text.replaceAll(',', '');
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const seconds = Number(text);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** The XML side of `parseJunit`: saxes events in, closed test cases out to a `JunitTally`; one instance per file. */
class JunitCounter {
  private readonly parser = new SaxesParser({ position: true });
  private readonly file: string;
  private readonly tally: JunitTally;
  private depth = 0;
  private sawRoot = false;
  private rootTime: number | undefined;
  /** The latest suite `timestamp` seen: when the report says it ran. */
  private ranAt: string | undefined;
  /** Skips closed suites declared beyond the skipped test cases they hold (`unlistedTests`). */
  private declaredSkipped = 0;
  private testcaseTime = 0;
  private sawTestcaseTime = false;
  /** The open `<testsuite>`/`<testsuites>` elements, innermost last. */
  private readonly suites: OpenSuite[] = [];
  private testcase: OpenTestcase | undefined;
  private readonly scratch: OpenTestcase = {
    depth: 0,
    name: '',
    classname: undefined,
    file: undefined,
    skipped: false,
    failure: false,
    error: false,
    issues: 0,
    rerunMarked: false,
    rerunIssue: undefined,
    rerunMessage: undefined,
    statusIssue: undefined,
    statusText: undefined,
    notRun: false,
    skippedElement: false,
    skipMessage: undefined,
    time: undefined,
    issueKind: undefined,
    message: undefined,
    issueType: undefined,
    suiteLevel: false,
    collectDepth: 0,
  };
  private readonly run: CaseRun = {
    name: '',
    classname: undefined,
    file: undefined,
    outcome: PASSED,
    suite: undefined,
    rerunMarked: false,
    message: undefined,
  };
  private collected = '';
  private readonly onText = (text: string) => this.collect(text);
  /** Set once a chunk has been parsed: names remembered from it still point into it (see `detachOpenScopes`). */
  private chunkParsed = false;
  /** The end of the previous chunk when it could be the start of `"<<computed>>` (see `maskComputed`). */
  private carry = '';

  constructor(
    file: string,
    retryMemory: number,
    private readonly across: AcrossReports | undefined,
  ) {
    this.file = file;
    this.tally = new JunitTally(retryMemory);
    const parser = this.parser;
    parser.on('error', (error) => {
      throw this.invalid(xmlErrorText(error.message, JUNIT));
    });
    parser.on('doctype', () => {
      throw this.invalid(doctypeText(JUNIT));
    });
    parser.on('opentag', (tag) => this.open(tag as SaxesTagPlain));
    parser.on('closetag', (tag) => this.close(tag as SaxesTagPlain));
  }

  write(chunk: string): void {
    const text = this.maskComputed(chunk);
    if (text.length === 0) return;
    if (this.chunkParsed) this.tally.detachOpenScopes();
    this.parser.write(text);
    this.chunkParsed = true;
  }

  /**
   * @web/test-runner writes `time="<<computed>>"`: a raw `<` inside an attribute value, which is
   * not well-formed XML, from a common reporter whose meaning is plain. Its two `<` become spaces
   * before the parser sees them (same length, so every line and column stays true), and the time
   * reads as unknown. Any other raw `<` in a value is still refused. A chunk ending in a prefix of
   * the pattern keeps that tail for the next chunk.
   */
  private maskComputed(chunk: string): string {
    let text = this.carry + chunk;
    this.carry = '';
    // `<<` first: V8 finds a two-character string about five times faster than the whole pattern,
    // and a report that is not @web/test-runner's seldom has one (~4% of a whole parse before).
    if (text.includes('<<') && text.includes(COMPUTED)) text = text.replaceAll(COMPUTED, COMPUTED_MASKED);
    for (let keep = Math.min(COMPUTED.length - 1, text.length); keep > 0; keep--) {
      if (text.endsWith(COMPUTED.slice(0, keep))) {
        this.carry = text.slice(-keep);
        return text.slice(0, -keep);
      }
    }
    return text;
  }

  finish(): JunitTotals {
    if (this.carry !== '') {
      const rest = this.carry;
      this.carry = '';
      this.parser.write(rest);
    }
    this.parser.close();
    if (!this.sawRoot) throw this.invalid('the file contains no XML element; expected a JUnit report');
    const { everyCase, merged, repeats, retriesUntracked } = this.tally.result();
    const totals: JunitTotals = { ...everyCase, repeats, retriesUntracked, files: 1 };
    // Across reports a later report's run may change the merged view alone (`AcrossReports`).
    if (repeats > 0 || this.across !== undefined) totals.reruns = merged;
    const duration = this.rootTime ?? (this.sawTestcaseTime ? this.testcaseTime : undefined);
    if (duration !== undefined) totals.durationSeconds = roundSeconds(duration);
    if (this.ranAt !== undefined) totals.ranAt = this.ranAt;
    if (this.declaredSkipped > 0) totals.declaredSkipped = this.declaredSkipped;
    return totals;
  }

  private open(tag: SaxesTagPlain): void {
    this.depth += 1;
    const name = tag.name;
    if (!this.sawRoot) {
      this.sawRoot = true;
      if (name !== 'testsuites' && name !== 'testsuite') {
        throw this.invalid(`the root element is <${name}>; expected <testsuites> or <testsuite> (JUnit XML)`);
      }
      this.rootTime = parseSeconds(tag.attributes.time);
    }
    const testcase = this.testcase;
    if (testcase !== undefined) {
      if (name === 'testcase') {
        throw this.invalid('a <testcase> inside a <testcase>; expected them side by side');
      }
      // Its test cases and declared failures would be counted nowhere: a suite holds test cases,
      // never the reverse.
      if (name === 'testsuite' || name === 'testsuites') {
        throw this.invalid(
          `a <${name}> inside a <testcase>; expected suites to hold test cases, not the reverse`,
        );
      }
      // A <failure> or <error> anywhere in a test case fails it, even one a reporter wrote inside
      // <system-out> or another child: a failure must never be hidden by where it was put, nor by
      // how its name is spelt (`<Failure>`, `<x:error>`).
      const issue = issueName(name);
      if (issue !== undefined) this.openIssue(testcase, issue, tag);
      else if (this.depth === testcase.depth + 1) this.openTestcaseChild(testcase, tag);
      return;
    }
    if (name === 'testsuite' || name === 'testsuites') {
      this.ranAt = laterTime(this.ranAt, statedTime(tag.attributes.timestamp));
      this.suites.push(openSuite(this.depth, tag.attributes));
      this.tally.openScope();
    } else if (name !== 'testcase' && this.suites.length > 0 && issueName(name) !== undefined) {
      // Directly in the suite (Ant's formatter) or deeper, in a <system-out> or another child: a
      // failure is never hidden by where a report puts it, inside a test case or outside one.
      this.openSuiteIssue(issueName(name)!, tag);
    } else if (name === 'testcase') {
      const attributes = tag.attributes;
      // With a time on the root, test case times are not needed: skip parsing them.
      const time = this.rootTime === undefined ? parseSeconds(attributes.time) : undefined;
      const current = this.openCase(attributes.name ?? '', attributes.classname, attributes.file, false);
      const status = attributes.status
        ?.trim()
        .toLowerCase()
        .replace(/[\s_-]+/g, '');
      current.skipped =
        (status !== undefined && SKIP_STATUSES.has(status)) ||
        (attributes.result !== undefined && SKIP_RESULTS.has(attributes.result.trim().toLowerCase()));
      if (status !== undefined && (FAIL_STATUSES.has(status) || ERROR_STATUSES.has(status))) {
        current.statusIssue = FAIL_STATUSES.has(status) ? 'failure' : 'error';
        current.statusText = attributes.status;
      }
      // CTest (`--output-junit`) writes `status="notrun"` and a <skipped> for every test it did not
      // run, also one whose executable is missing; GoogleTest's `notrun` comes with a `result`.
      current.notRun = status === 'notrun' && attributes.result === undefined;
      current.time = time;
    }
  }

  /** Starts a test case at the current depth. */
  private openCase(
    name: string,
    classname: string | undefined,
    file: string | undefined,
    suiteLevel: boolean,
  ): OpenTestcase {
    // One test case is open at a time: reuse one object instead of allocating one per test.
    const current = this.scratch;
    current.depth = this.depth;
    current.name = name;
    current.classname = classname;
    current.file = file;
    current.skipped = false;
    current.failure = false;
    current.issues = 0;
    current.error = false;
    current.rerunMarked = false;
    current.rerunIssue = undefined;
    current.rerunMessage = undefined;
    current.statusIssue = undefined;
    current.statusText = undefined;
    current.notRun = false;
    current.skippedElement = false;
    current.skipMessage = undefined;
    current.time = undefined;
    current.issueKind = undefined;
    current.message = undefined;
    current.issueType = undefined;
    current.suiteLevel = suiteLevel;
    current.collectDepth = 0;
    this.testcase = current;
    return current;
  }

  /**
   * A `<failure>` or `<error>` directly inside a suite, outside any test case: Ant's XML formatter
   * writes one when a suite fails before or after its tests (a class that cannot load, a failing
   * `@BeforeClass`). It is read as one more failing test, named after the suite, so that it is
   * never lost; the same machinery as a test case's collects its message.
   */
  private openSuiteIssue(name: 'failure' | 'error', tag: SaxesTagPlain): void {
    const current = this.openCase(suiteName(this.suites.at(-1)), undefined, undefined, true);
    this.openIssue(current, name, tag);
  }

  private openTestcaseChild(testcase: OpenTestcase, tag: SaxesTagPlain): void {
    switch (tag.name) {
      case 'skipped':
        testcase.skipped = true;
        if (!testcase.skippedElement) {
          testcase.skippedElement = true;
          testcase.skipMessage = tag.attributes.message?.trim();
        }
        return;
      // Earlier failed attempts of this test case, as the report records them: surefire's flaky
      // and rerun elements, pytest-rerunfailures' <rerun>. The test case's own outcome decides
      // (a <failure>/<error> beside them when every attempt failed); passed, it is flaky.
      case 'flakyFailure':
        testcase.rerunMarked = true;
        this.countAttempt(true);
        return;
      case 'flakyError':
        testcase.rerunMarked = true;
        this.countAttempt(false);
        return;
      // A rerun that failed as well: surefire writes these beside the <failure>/<error> of a test
      // whose every run failed, never for one that passed in the end (that is <flakyFailure>).
      case 'rerunFailure':
      case 'rerunError':
        testcase.rerunMarked = true;
        this.countAttempt(tag.name === 'rerunFailure');
        if (testcase.rerunIssue === undefined) {
          testcase.rerunIssue = tag.name === 'rerunFailure' ? 'failure' : 'error';
          const message = tag.attributes.message?.trim() || tag.attributes.type?.trim();
          testcase.rerunMessage = message ? capMessage(message) : undefined;
        }
        return;
      case 'rerun':
        testcase.rerunMarked = true;
        return;
      default:
        // `<Skipped>`, `<x:skipped>`: a test that says it did not run is never read as a pass.
        if (localName(tag.name) === 'skipped') testcase.skipped = true;
        return;
    }
  }

  /**
   * A failed attempt a surefire test case records: surefire 3 counts it in its suite's `tests` and
   * `failures`/`errors`, so it accounts for that much of what the suite declares. Only in a suite
   * surefire marks as its own: Playwright and unmarked surefire reports write the same elements
   * but count tests, not attempts, and there a declared failure no test case shows is another test's
   * (a trimmed report). pytest-rerunfailures' `<rerun>` is not counted: pytest declares only the
   * final outcomes.
   */
  private countAttempt(failure: boolean): void {
    const suite = this.suites.at(-1);
    if (suite === undefined || !suite.countsAttempts) return;
    if (failure) suite.failedAttempts += 1;
    else suite.erroredAttempts += 1;
  }

  /** A `<failure>` or `<error>` in `testcase`; the first one names the failure. */
  private openIssue(testcase: OpenTestcase, name: 'failure' | 'error', tag: SaxesTagPlain): void {
    if (name === 'failure') testcase.failure = true;
    else testcase.error = true;
    testcase.issues += 1;
    // A later <failure> still turns an error into a failure, but the first issue keeps the message.
    if (testcase.issueKind === undefined) {
      testcase.issueKind = name;
      testcase.issueType = tag.attributes.type?.trim() || undefined;
      const message = tag.attributes.message?.trim();
      if (message) {
        testcase.message = capMessage(message);
      } else {
        // Only now listen to text: saxes does not accumulate text nodes nobody listens to, which
        // keeps megabytes of <system-out> out of memory.
        testcase.collectDepth = this.depth;
        this.collected = '';
        this.parser.on('text', this.onText);
        this.parser.on('cdata', this.onText);
      }
    }
  }

  private collect(text: string): void {
    if (this.collected.length <= FAILURE_MESSAGE_CAP * 4) this.collected += text;
  }

  private close(tag: SaxesTagPlain): void {
    const testcase = this.testcase;
    if (testcase !== undefined) {
      if (this.depth === testcase.collectDepth) {
        this.parser.off('text');
        this.parser.off('cdata');
        testcase.collectDepth = 0;
        // A <failure type="AssertionError"/> with neither message nor text is named by its type.
        const line = firstLine(this.collected) ?? testcase.issueType;
        if (line) testcase.message = capMessage(line);
        this.collected = '';
      }
      if (this.depth === testcase.depth) {
        this.testcase = undefined;
        this.record(testcase);
      }
    } else if (
      this.suites.at(-1)?.depth === this.depth &&
      (tag.name === 'testsuite' || tag.name === 'testsuites')
    ) {
      this.closeSuite(this.suites.pop()!);
      this.tally.closeScope();
    }
    this.depth -= 1;
  }

  /**
   * Counts the tests a closing suite declares but does not list (`unlistedTests`), and hands what
   * it listed and added to the suite around it: what a nested suite added counts as listed there,
   * so that a declaration is honoured once.
   */
  private closeSuite(suite: OpenSuite): void {
    const { failed, errored, skipped, passed } = unlistedTests(suite);
    const name = suiteName(suite);
    const run = this.run;
    const add = (outcome: Outcome, count: number, what: string) => {
      if (count === 0) return;
      run.name = name;
      run.classname = undefined;
      run.file = undefined;
      run.outcome = outcome;
      run.suite = undefined;
      run.rerunMarked = false;
      run.message = `the suite declares ${count} ${what} that no <testcase> in it shows`;
      this.tally.addUnlisted(run, count);
    };
    add(FAILED, failed, failed === 1 ? 'failure' : 'failures');
    add(ERRORED, errored, errored === 1 ? 'error' : 'errors');
    add(SKIPPED, skipped, 'skipped');
    this.declaredSkipped += skipped;
    add(PASSED, passed, 'passed');
    const parent = this.suites.at(-1);
    if (parent !== undefined) {
      parent.listed += suite.listed + failed + errored + skipped + passed;
      parent.withFailure += suite.withFailure + failed;
      parent.withError += suite.withError + errored;
      parent.issueElements += suite.issueElements + failed + errored;
      parent.skipped += suite.skipped + skipped;
      parent.failedAttempts += suite.failedAttempts;
      parent.erroredAttempts += suite.erroredAttempts;
    }
  }

  /** Hands a closed test case to the counting rules. */
  private record(testcase: OpenTestcase): void {
    if (testcase.time !== undefined) {
      this.testcaseTime += testcase.time;
      this.sawTestcaseTime = true;
    }
    const suite = this.suites.at(-1);
    if (suite === undefined) throw this.invalid('a <testcase> outside any <testsuite>');
    // A <rerunFailure>/<rerunError> with no <failure>/<error> beside it (a trimmed report, a
    // converter that dropped the final run): no run is shown passing, so the test failed, and its
    // last run is the failure the suite declares for it.
    if (!testcase.failure && !testcase.error && testcase.rerunIssue !== undefined) {
      if (testcase.rerunIssue === 'failure') testcase.failure = true;
      else testcase.error = true;
      testcase.issues += 1;
      testcase.message =
        testcase.rerunMessage ??
        `every run failed (<rerun${testcase.rerunIssue === 'failure' ? 'Failure' : 'Error'}>)`;
    }
    // A status that says the test failed, with no element showing it: the report's word counts.
    if (!testcase.failure && !testcase.error && testcase.statusIssue !== undefined) {
      if (testcase.statusIssue === 'failure') testcase.failure = true;
      else testcase.error = true;
      testcase.issues += 1;
      testcase.message = `status="${testcase.statusText}"`;
    }
    // CTest counts a test it did not run as failed ("Not Run": its executable is missing, a fixture
    // it needs failed, a required file is missing) unless the reason is one of its SKIP_ ones
    // (SKIP_RETURN_CODE=77, SKIP_REGULAR_EXPRESSION_MATCHED); its JUnit report writes both as
    // `status="notrun"` with a <skipped message="reason">. Read as CTest reads it, never as a skip.
    if (
      !testcase.failure &&
      !testcase.error &&
      testcase.notRun &&
      testcase.skippedElement &&
      !testcase.skipMessage?.startsWith('SKIP_')
    ) {
      testcase.error = true;
      testcase.issues += 1;
      testcase.message = capMessage(`not run: ${testcase.skipMessage || 'no reason given'}`);
    }
    // A failure or error wins over a skip: JUnit's schema allows a test case one of them, and a
    // report that says both (Node's failing todo, a disabled test that ran) carries a failure.
    const outcome: Outcome = testcase.failure
      ? FAILED
      : testcase.error
        ? ERRORED
        : testcase.skipped
          ? SKIPPED
          : PASSED;
    suite.listed += 1;
    if (testcase.failure) suite.withFailure += 1;
    if (testcase.error) suite.withError += 1;
    suite.issueElements += testcase.issues;
    if (outcome === SKIPPED) suite.skipped += 1;
    const run = this.run;
    run.name = testcase.name;
    run.classname = testcase.classname;
    run.file = testcase.file;
    run.outcome = outcome;
    // Only a failing test case is ever named (and only by its suite when it has no name).
    run.suite = outcome === FAILED || outcome === ERRORED ? suiteName(suite) : undefined;
    run.rerunMarked = testcase.rerunMarked;
    run.message = testcase.message;
    if (testcase.suiteLevel) this.tally.addUnlisted(run);
    else if (this.across === undefined || !this.takenAcross(run)) this.tally.add(run);
  }

  /** Hands a test case to `AcrossReports`; true when an earlier report already counted it. */
  private takenAcross(run: CaseRun): boolean {
    let path = '';
    let hosts = '';
    for (const suite of this.suites) {
      path += `${suite.name ?? ''}\u0001`;
      hosts += `${suite.host ?? ''}\u0001`;
    }
    const key = `${path}\u0000${run.classname ?? ''}\u0000${run.file ?? ''}\u0000${run.name}`;
    const across = this.across!;
    return across.take(key, across.hostId(hosts), run, this.tally);
  }

  private invalid(message: string): TollgateError {
    return invalidAt(this.file, this.parser.line, this.parser.column, message);
  }
}

/** An open `<testsuite>`/`<testsuites>`: what it declares, and what the test cases in it show. */
interface OpenSuite extends SuiteListing {
  depth: number;
  name: string | undefined;
  /** Its `hostname` (Playwright writes the project's name there). */
  host: string | undefined;
  /** Whether its own `tests`, `failures` and `errors` count the failed attempts of rerun tests. */
  countsAttempts: boolean;
}

/**
 * Whether a suite is one surefire or failsafe 3 wrote (`xsi:noNamespaceSchemaLocation` naming
 * surefire's test-report schema, written since 3.0.0-M4): those count every attempt of a rerun test.
 */
function surefireCounted(attributes: Record<string, string>): boolean {
  for (const key in attributes) {
    if (key === 'noNamespaceSchemaLocation' || key.endsWith(':noNamespaceSchemaLocation')) {
      if (/\/surefire-test-report[\w.-]*\.xsd\s*$/.test(attributes[key]!)) return true;
    }
  }
  return false;
}

function openSuite(depth: number, attributes: Record<string, string>): OpenSuite {
  return {
    depth,
    name: attributes.name,
    host: attributes.hostname,
    countsAttempts: surefireCounted(attributes),
    declared: {
      tests: parseCount(attributes.tests),
      failures: parseCount(attributes.failures),
      errors: parseCount(attributes.errors),
      skipped: parseCount(attributes.skipped),
    },
    listed: 0,
    withFailure: 0,
    withError: 0,
    issueElements: 0,
    skipped: 0,
    failedAttempts: 0,
    erroredAttempts: 0,
  };
}

/** A count attribute: a whole number, else 0 (a value that is not a count declares nothing). */
function parseCount(value: string | undefined): number {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return 0;
  const count = Number(value);
  return Number.isSafeInteger(count) ? count : 0;
}

/**
 * `failure` or `error` when `name` is one of them in any letter case, with or without a namespace
 * prefix (`<Failure>`, `<ERROR>`, `<x:failure>`): a report that spells a failure so still failed.
 */
function issueName(name: string): 'failure' | 'error' | undefined {
  if (name === 'failure' || name === 'error') return name;
  const local = localName(name);
  return local === 'failure' || local === 'error' ? local : undefined;
}

/** An element name without its namespace prefix, in lower case; '' for names no JUnit element has. */
function localName(name: string): string {
  const local = name.slice(name.lastIndexOf(':') + 1);
  // Cheap reject before lower-casing: only 5- and 7-letter names are ever compared.
  return local.length === 5 || local.length === 7 ? local.toLowerCase() : '';
}

function suiteName(suite: OpenSuite | undefined): string {
  return suite?.name?.trim() || '(unnamed suite)';
}

function firstLine(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed) return trimmed;
  }
  return undefined;
}

function capMessage(message: string): string {
  return message.length <= FAILURE_MESSAGE_CAP ? message : `${message.slice(0, FAILURE_MESSAGE_CAP - 1)}…`;
}

/** Sums of decimal seconds drift (0.1 + 0.2); a microsecond is finer than any report. */
function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/** `EVIDENCE_INVALID` for `file`, naming the line and column. */
function invalidAt(file: string, line: number, column: number, message: string): TollgateError {
  return new TollgateError('EVIDENCE_INVALID', `${file}:${line}:${column}: ${message}`, {
    position: { file, line, column },
  });
}

function readError(file: string, error: unknown): TollgateError {
  return unreadableFile(file, error, { what: 'the JUnit XML file' });
}
