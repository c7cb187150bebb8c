/**
 * Streaming JUnit XML reader: turns one report (surefire, pytest, jest-junit, Node's reporter,
 * mocha, catch2, cunit, nextest, marathon, xunit, go-junit-report…) into test totals without ever
 * holding the document in memory. Counting rules are documented in docs/evidence-junit.md.
 */
import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { TollgateError } from '../errors.js';
import { FAILED_NAMES_CAP, type TestFailure, type TestSummary } from './evidence.js';
import { UnsupportedEncoding, XmlDecoder } from './xml-encoding.js';

/** Totals of one JUnit report (or of several, summed by `mergeTotals`). */
export interface JunitTotals {
  /** Test cases counted once each; a retried test case (same name, classname and file in one suite) is one. */
  tests: number;
  passed: number;
  /** Test cases with a `<failure>` (a failure wins over an `<error>` on the same test case). */
  failed: number;
  /** Test cases with an `<error>` and no `<failure>`. */
  errored: number;
  /** `<skipped/>`, or `status="disabled" | "ignored" | "skipped"`; a skipped test never fails. */
  skipped: number;
  /** Passed test cases that failed at least once first (retries, surefire `flakyFailure`/`flakyError`). */
  flaky: number;
  /** Failed and errored test cases, first `FAILED_NAMES_CAP` in document order. */
  failures: TestFailure[];
  /** Failed and errored test cases left out of `failures` by the cap. */
  failuresOmitted: number;
  /** The root element's `time`, else the sum of the test cases' `time`; absent when the file says neither. */
  durationSeconds?: number;
  /**
   * Test cases counted without looking for an earlier run of the same test, because the suites
   * open around them already held `retryMemory` test names. 0 except for giant single-suite reports.
   */
  retriesUntracked: number;
  /** Number of files summed into these totals. */
  files: number;
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
}

/** Default `retryMemory`: 200,000 names, about 150 bytes each. */
export const RETRY_MEMORY = 200_000;

export type JunitInput = { path: string } | { stream: NodeJS.ReadableStream; name: string };

/** Longest failure message kept, in characters. */
export const FAILURE_MESSAGE_CAP = 500;

/** Read size: large reads keep the parser busy instead of the event loop (see docs/evidence-junit.md). */
const CHUNK_BYTES = 1024 * 1024;

const PASSED = 0;
const FAILED = 1;
const ERRORED = 2;
const SKIPPED = 3;
type Outcome = typeof PASSED | typeof FAILED | typeof ERRORED | typeof SKIPPED;
/** Set in a scope map entry once the test case was counted as flaky. */
const FLAKY_BIT = 4;

const SKIP_STATUSES = new Set(['disabled', 'ignored', 'skipped']);

/** One `<testsuite>` or `<testsuites>` element: retries are recognised among its direct test cases. */
interface Scope {
  id: number;
  /** `classname NUL file` → test name → outcome | FLAKY_BIT; created on the first test case. */
  seen: Map<string, Map<string, number>> | undefined;
  /** The names map of the last classname and file seen: test cases of one class come in a row. */
  lastClassname: string | undefined;
  lastFile: string | undefined;
  lastNames: Map<string, number> | undefined;
  /** Names remembered in `seen`. */
  remembered: number;
  /** Set once the suite outlives a chunk: from then on its names are copied as they come. */
  spansChunks: boolean;
}

interface OpenTestcase {
  depth: number;
  name: string;
  classname: string | undefined;
  file: string | undefined;
  skipped: boolean;
  failure: boolean;
  error: boolean;
  flakyRun: boolean;
  time: number | undefined;
  /** First failure or error: its kind and message. */
  issueKind: 'failure' | 'error' | undefined;
  message: string | undefined;
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
  const counter = new JunitCounter(name, options.retryMemory ?? RETRY_MEMORY);
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
 * @example mergeTotals([await parseJunit({ path: 'a.xml' }), await parseJunit({ path: 'b.xml' })])
 */
export function mergeTotals(list: readonly JunitTotals[]): JunitTotals {
  const merged: JunitTotals = {
    tests: 0,
    passed: 0,
    failed: 0,
    errored: 0,
    skipped: 0,
    flaky: 0,
    failures: [],
    failuresOmitted: 0,
    retriesUntracked: 0,
    files: 0,
  };
  let duration: number | undefined;
  for (const totals of list) {
    merged.tests += totals.tests;
    merged.passed += totals.passed;
    merged.failed += totals.failed;
    merged.errored += totals.errored;
    merged.skipped += totals.skipped;
    merged.flaky += totals.flaky;
    merged.files += totals.files;
    merged.retriesUntracked += totals.retriesUntracked;
    merged.failuresOmitted += totals.failuresOmitted;
    for (const failure of totals.failures) {
      if (merged.failures.length < FAILED_NAMES_CAP) merged.failures.push(failure);
      else merged.failuresOmitted += 1;
    }
    if (totals.durationSeconds !== undefined) duration = (duration ?? 0) + totals.durationSeconds;
    if (merged.suite === undefined && totals.suite !== undefined) merged.suite = totals.suite;
  }
  if (duration !== undefined) merged.durationSeconds = roundSeconds(duration);
  return merged;
}

/**
 * Turns totals into the `tests` evidence recorded for an artifact.
 * @param suite the contract's suite name (`--suite`); defaults to the one given to `parseJunit`.
 * @example toTestSummary(mergeTotals(list), 'unit')
 */
export function toTestSummary(totals: JunitTotals, suite: string | undefined = totals.suite): TestSummary {
  if (suite === undefined || suite === '') {
    throw new TollgateError('USAGE', 'a test summary needs a suite name (for example --suite unit)');
  }
  const summary: TestSummary = {
    kind: 'tests',
    suite,
    tests: totals.tests,
    passed: totals.passed,
    failed: totals.failed,
    errored: totals.errored,
    skipped: totals.skipped,
    failures: totals.failures.slice(0, FAILED_NAMES_CAP),
    failuresOmitted: totals.failuresOmitted + Math.max(0, totals.failures.length - FAILED_NAMES_CAP),
  };
  if (totals.flaky > 0) summary.flaky = totals.flaky;
  if (totals.durationSeconds !== undefined) summary.durationSeconds = totals.durationSeconds;
  return summary;
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

/** The state machine behind `parseJunit`; one instance per file. */
class JunitCounter {
  private readonly parser = new SaxesParser({ position: true });
  private readonly file: string;
  private depth = 0;
  private sawRoot = false;
  private rootTime: number | undefined;
  private testcaseTime = 0;
  private sawTestcaseTime = false;
  private nextScopeId = 0;
  private readonly scopes: { depth: number; scope: Scope }[] = [];
  private testcase: OpenTestcase | undefined;
  private readonly scratch: OpenTestcase = {
    depth: 0,
    name: '',
    classname: undefined,
    file: undefined,
    skipped: false,
    failure: false,
    error: false,
    flakyRun: false,
    time: undefined,
    issueKind: undefined,
    message: undefined,
    collectDepth: 0,
  };
  private readonly counts = [0, 0, 0, 0];
  private flaky = 0;
  private readonly failures: TestFailure[] = [];
  /** Scope-qualified keys of `failures`, so a later passing retry can take its name out again. */
  private readonly failureKeys: string[] = [];
  private failuresOmitted = 0;
  private readonly retryMemory: number;
  /** Test names currently remembered across the open scopes. */
  private remembered = 0;
  private retriesUntracked = 0;
  private collected = '';
  private readonly onText = (text: string) => this.collect(text);
  /** Set once a chunk has been parsed: names remembered from it still point into it (see `detach`). */
  private chunkParsed = false;

  constructor(file: string, retryMemory: number) {
    this.file = file;
    this.retryMemory = retryMemory;
    const parser = this.parser;
    parser.on('error', (error) => {
      if (this.isLessThanInAttributeValue(error)) return;
      throw this.xmlError(error.message);
    });
    // Refuse a DOCTYPE outright: JUnit needs none, and an internal subset is how entity
    // expansion (billion laughs) and external entities (XXE) get in.
    parser.on('doctype', () => {
      throw this.invalid(
        'a DOCTYPE declaration is not allowed in a JUnit report (it could declare entities: expansion ' +
          'and external entities are refused); expected the report to start with <testsuites> or <testsuite>',
      );
    });
    parser.on('opentag', (tag) => this.open(tag as SaxesTagPlain));
    parser.on('closetag', (tag) => this.close(tag as SaxesTagPlain));
  }

  write(chunk: string): void {
    if (chunk.length === 0) return;
    if (this.chunkParsed) this.detachOpenScopes();
    this.parser.write(chunk);
    this.chunkParsed = true;
  }

  /**
   * Before the next chunk: re-keys the names remembered by the suites still open with copies, so
   * the chunk they were sliced from can go, and from then on those suites copy their names as
   * they come. Most suites close in the chunk they opened in, and their names are never copied.
   */
  private detachOpenScopes(): void {
    for (const { scope } of this.scopes) {
      if (scope.spansChunks) continue;
      scope.spansChunks = true;
      if (scope.seen === undefined) continue;
      for (const names of scope.seen.values()) {
        const entries = [...names];
        names.clear();
        for (const [name, state] of entries) names.set(detach(name), state);
      }
      if (scope.lastClassname !== undefined) scope.lastClassname = detach(scope.lastClassname);
      if (scope.lastFile !== undefined) scope.lastFile = detach(scope.lastFile);
    }
  }

  finish(): JunitTotals {
    this.parser.close();
    if (!this.sawRoot) throw this.invalid('the file contains no XML element; expected a JUnit report');
    const [passed = 0, failed = 0, errored = 0, skipped = 0] = this.counts;
    const totals: JunitTotals = {
      tests: passed + failed + errored + skipped,
      passed,
      failed,
      errored,
      skipped,
      flaky: this.flaky,
      failures: this.failures,
      failuresOmitted: this.failuresOmitted,
      retriesUntracked: this.retriesUntracked,
      files: 1,
    };
    const duration = this.rootTime ?? (this.sawTestcaseTime ? this.testcaseTime : undefined);
    if (duration !== undefined) totals.durationSeconds = roundSeconds(duration);
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
      if (this.depth === testcase.depth + 1) this.openTestcaseChild(testcase, tag);
      return;
    }
    if (name === 'testsuite' || name === 'testsuites') {
      this.scopes.push({
        depth: this.depth,
        scope: {
          id: this.nextScopeId++,
          seen: undefined,
          lastClassname: undefined,
          lastFile: undefined,
          lastNames: undefined,
          remembered: 0,
          spansChunks: false,
        },
      });
    } else if (name === 'testcase') {
      const attributes = tag.attributes;
      // With a time on the root, test case times are not needed: skip parsing them.
      const time = this.rootTime === undefined ? parseSeconds(attributes.time) : undefined;
      // One test case is open at a time: reuse one object instead of allocating one per test.
      const current = this.scratch;
      current.depth = this.depth;
      current.name = attributes.name ?? '';
      current.classname = attributes.classname;
      current.file = attributes.file;
      current.skipped = attributes.status !== undefined && SKIP_STATUSES.has(attributes.status);
      current.failure = false;
      current.error = false;
      current.flakyRun = false;
      current.time = time;
      current.issueKind = undefined;
      current.message = undefined;
      current.collectDepth = 0;
      this.testcase = current;
    }
  }

  private openTestcaseChild(testcase: OpenTestcase, tag: SaxesTagPlain): void {
    switch (tag.name) {
      case 'skipped':
        testcase.skipped = true;
        return;
      case 'failure':
        testcase.failure = true;
        break;
      case 'error':
        testcase.error = true;
        break;
      case 'flakyFailure':
      case 'flakyError':
        testcase.flakyRun = true;
        return;
      default:
        // rerunFailure/rerunError come with a <failure>/<error> that already decides the outcome.
        return;
    }
    // The first issue names the failure; a later <failure> still turns an error into a failure.
    if (testcase.issueKind === undefined) {
      testcase.issueKind = tag.name;
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
        const line = firstLine(this.collected);
        if (line) testcase.message = capMessage(line);
        this.collected = '';
      }
      if (this.depth === testcase.depth) {
        this.testcase = undefined;
        this.record(testcase);
      }
    } else {
      const top = this.scopes[this.scopes.length - 1];
      if (
        top !== undefined &&
        top.depth === this.depth &&
        (tag.name === 'testsuite' || tag.name === 'testsuites')
      ) {
        this.scopes.pop();
        this.remembered -= top.scope.remembered;
      }
    }
    this.depth -= 1;
  }

  /** Counts a closed test case, merging it with an earlier run of the same test in the same suite. */
  private record(testcase: OpenTestcase): void {
    if (testcase.time !== undefined) {
      this.testcaseTime += testcase.time;
      this.sawTestcaseTime = true;
    }
    const outcome: Outcome = testcase.skipped
      ? SKIPPED
      : testcase.failure
        ? FAILED
        : testcase.error
          ? ERRORED
          : PASSED;
    const scope = this.scopes[this.scopes.length - 1]?.scope;
    if (scope === undefined) throw this.invalid('a <testcase> outside any <testsuite>');
    const names = namesOf(scope, testcase.classname, testcase.file);
    const previous = names.get(testcase.name);
    if (previous === undefined) {
      let state: number = outcome;
      this.counts[outcome] = (this.counts[outcome] ?? 0) + 1;
      if (outcome === PASSED && testcase.flakyRun) {
        this.flaky += 1;
        state |= FLAKY_BIT;
      }
      if (isFailing(outcome)) this.addFailure(failureKey(scope, testcase), testcase);
      // Remembering every name of a giant single suite would make memory grow with the file:
      // past the limit only failing tests (the ones a retry can turn green) are remembered, then none.
      if (
        this.remembered < this.retryMemory ||
        (isFailing(outcome) && this.remembered < 2 * this.retryMemory)
      ) {
        names.set(scope.spansChunks ? detach(testcase.name) : testcase.name, state);
        scope.remembered += 1;
        this.remembered += 1;
      } else {
        this.retriesUntracked += 1;
      }
      return;
    }
    // A retry. As action-junit-report does: the latest run that did not fail decides; if every
    // run failed, the first failure stays.
    const before = (previous & 3) as Outcome;
    const after: Outcome = !isFailing(outcome) ? outcome : before;
    let state = previous;
    if (after !== before) {
      this.counts[before] = (this.counts[before] ?? 0) - 1;
      this.counts[after] = (this.counts[after] ?? 0) + 1;
      if (isFailing(before)) this.removeFailure(failureKey(scope, testcase));
      state = (state & FLAKY_BIT) | after;
    }
    const failedOnce = isFailing(before) || isFailing(outcome) || testcase.flakyRun;
    if ((state & FLAKY_BIT) === 0 && after === PASSED && failedOnce) {
      this.flaky += 1;
      state |= FLAKY_BIT;
    } else if ((state & FLAKY_BIT) !== 0 && after !== PASSED) {
      this.flaky -= 1;
      state &= ~FLAKY_BIT;
    }
    names.set(testcase.name, state);
  }

  private addFailure(key: string, testcase: OpenTestcase): void {
    if (this.failures.length >= FAILED_NAMES_CAP) {
      this.failuresOmitted += 1;
      return;
    }
    const failure: TestFailure = {
      name: detach(testcase.name),
      kind: testcase.failure ? 'failure' : 'error',
    };
    if (testcase.classname) failure.classname = detach(testcase.classname);
    if (testcase.message) failure.message = detach(testcase.message);
    this.failures.push(failure);
    this.failureKeys.push(key);
  }

  private removeFailure(key: string): void {
    const index = this.failureKeys.indexOf(key);
    if (index === -1) {
      this.failuresOmitted -= 1;
      return;
    }
    this.failures.splice(index, 1);
    this.failureKeys.splice(index, 1);
  }

  private invalid(message: string): TollgateError {
    return invalidAt(this.file, this.parser.line, this.parser.column, message);
  }

  /**
   * True for a raw `<` inside a quoted attribute value (`time="<<computed>>"`, written by
   * @web/test-runner-junit-reporter). It is not well-formed XML, but the reporter is common and
   * the meaning is plain, so the character is dropped and parsing goes on, as lenient parsers do.
   * saxes resumes inside the value after reporting it; we check its scanner state to be sure
   * this is that case and no other "disallowed character".
   */
  private isLessThanInAttributeValue(error: Error): boolean {
    if (!error.message.endsWith(': disallowed character.')) return false;
    const scanner = this.parser as unknown as { chunk: string; prevI: number; q: number | null };
    const quoted = scanner.q === 0x22 || scanner.q === 0x27;
    return quoted && scanner.chunk.charCodeAt(scanner.prevI) === 0x3c;
  }

  /** Rephrases a saxes message ("12:4: unclosed tag: system-out") for people. */
  private xmlError(raw: string): TollgateError {
    const message = raw.replace(/^\d+:\d+: /, '').replace(/\.$/, '');
    const unclosed = /^unclosed tag: (.+)$/.exec(message);
    if (unclosed) {
      return this.invalid(
        `the file ends while <${unclosed[1]}> is still open; expected a complete JUnit XML document (is the file truncated?)`,
      );
    }
    if (message === 'undefined entity') {
      return this.invalid(
        "an entity reference that is not one of XML's five (&lt; &gt; &amp; &quot; &apos;) or a character reference; entities are refused",
      );
    }
    if (message === 'document must contain a root element') {
      return this.invalid('the file contains no XML element; expected a JUnit report');
    }
    return this.invalid(`malformed XML: ${message}; expected a well-formed JUnit XML report`);
  }
}

/**
 * The map of test names already seen in `scope` for one classname and file. Test cases of one
 * class usually come in a row, so comparing with the last pair avoids hashing long keys per test.
 */
function namesOf(scope: Scope, classname = '', file = ''): Map<string, number> {
  if (scope.lastNames !== undefined && classname === scope.lastClassname && file === scope.lastFile) {
    return scope.lastNames;
  }
  scope.seen ??= new Map();
  const key = `${classname}\u0000${file}`;
  let names = scope.seen.get(key);
  if (names === undefined) {
    names = new Map();
    scope.seen.set(detach(key), names);
  }
  scope.lastClassname = classname;
  scope.lastFile = file;
  scope.lastNames = names;
  return names;
}

function failureKey(scope: Scope, testcase: OpenTestcase): string {
  return detach(
    `${scope.id}\u0000${testcase.classname ?? ''}\u0000${testcase.file ?? ''}\u0000${testcase.name}`,
  );
}

/**
 * A copy of `text` that does not point into the parser's 1 MiB chunk. Attribute values are V8
 * slices of the chunk they came from: keeping one alive keeps the whole chunk alive, so every
 * string kept after its chunk is parsed goes through here (slicing a concatenation flattens it).
 */
function detach(text: string): string {
  return ` ${text}`.slice(1);
}

function isFailing(outcome: Outcome): boolean {
  return outcome === FAILED || outcome === ERRORED;
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
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a directory; expected a JUnit XML file'
        : code === 'EACCES'
          ? 'permission denied'
          : String((error as Error | undefined)?.message ?? error);
  return new TollgateError('FILE_UNREADABLE', `cannot read ${file}: ${reason}`, {
    cause: error,
    position: { file },
  });
}
