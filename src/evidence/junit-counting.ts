/**
 * The counting rules of a JUnit report, apart from the XML: the streaming driver
 * (junit-parser.ts) hands each closed `<testcase>` and each suite boundary to a `JunitTally`.
 *
 * Two views are kept in one pass (docs/evidence-junit.md):
 * - **every test case** — each `<testcase>` is a test, as action-junit-report (by default),
 *   Jenkins and GitLab count them. Reruns inside one test case that the report marks (surefire's
 *   `flakyFailure`/`flakyError`/`rerunFailure`/`rerunError`, pytest-rerunfailures' `rerun`) are
 *   that test case's history: it counts once, by its own outcome.
 * - **reruns merged** — test cases with the same name, classname and file directly inside one
 *   suite are runs of one test, for suites the contract declares retried (`reruns: true`).
 *   A failure is cleared only by a *later pass*: never by a skip, never by an earlier pass.
 *
 * Tests no `<testcase>` lists (a suite-level `<failure>`/`<error>`, the failures a suite declares
 * without listing one: `unlistedTests`) count in both views alike (`addUnlisted`).
 */
import { FAILED_NAMES_CAP, type TestCounts, type TestFailure } from './evidence.js';

export const PASSED = 0;
export const FAILED = 1;
export const ERRORED = 2;
export const SKIPPED = 3;
export type Outcome = typeof PASSED | typeof FAILED | typeof ERRORED | typeof SKIPPED;

/** One closed `<testcase>`, as the driver read it. Strings may be slices of the parser's chunk. */
export interface CaseRun {
  name: string;
  classname: string | undefined;
  file: string | undefined;
  outcome: Outcome;
  /** The name of the suite it is in, to name a failing test case that has no name of its own. */
  suite: string | undefined;
  /** The report marks an earlier failed attempt inside this test case (it passed only on rerun if it passed). */
  rerunMarked: boolean;
  message: string | undefined;
}

/** A suite's declared counts beside what the test cases in it show (`unlistedTests`). */
export interface SuiteListing {
  /** Its `tests`, `failures`, `errors` and `skipped` attributes; 0 when absent or not a count. */
  declared: { tests: number; failures: number; errors: number; skipped: number };
  /** Test cases in it at any depth, and the tests nested suites counted from their attributes. */
  listed: number;
  /** Of those, the ones with a `<failure>`, with an `<error>` (a test case may have both), skipped. */
  withFailure: number;
  withError: number;
  /** The `<failure>` and `<error>` elements of those test cases (one may hold several). */
  issueElements: number;
  skipped: number;
  /**
   * Earlier failed attempts its test cases record as surefire does (`<flakyFailure>`/`<rerunFailure>`,
   * `<flakyError>`/`<rerunError>`), in suites surefire 3 marks as its own: it counts every attempt in
   * the suite's `tests` and `failures`/`errors`, so a suite whose one flaky test failed twice declares
   * `tests="3" failures="2"`. Other producers writing those elements (Playwright) count tests: there
   * the attempts are not counted here, and account for no declared failure.
   */
  failedAttempts: number;
  erroredAttempts: number;
}

/**
 * The tests a suite declares but does not list. A suite's `tests`, `failures`, `errors` and
 * `skipped` attributes are not counted: nested suites repeat their children's, converters list a
 * suite's test cases beside it, and producers count differently (surefire-style reports count
 * `<failure>` elements, @web/test-runner counts one failed test in both `failures` and `errors`).
 * Skips a suite declares beyond the skipped test cases it holds count as skipped tests, as many as
 * it declares tests it does not hold (a reporter that leaves skipped tests out,
 * mocha-junit-reporter's default). Two exceptions keep a declared
 * failure from being lost. A suite that declares failures or
 * errors but holds no failing test case lists only part of what ran (a trimmed or stripped
 * report), and the tests it does not list count from its attributes: its failures and errors,
 * its skipped beyond those listed, the rest of its `tests` as passed. A suite that shows some
 * failures but declares more than any producer's way of counting explains lists only some of its
 * failures: the difference counts as failed tests. What no convention explains is the larger of
 * its `failures` and `errors` (producers that count one failed test in both, @web/test-runner,
 * declare it twice, once in each) beyond the `<failure>`/`<error>` elements it shows (producers
 * that count elements declare a test with three `<failure>`s as three): a lower bound on the
 * failures missing. Failures and errors that the earlier attempts of rerun test cases account for
 * (surefire counts attempts) are not unlisted.
 */
export function unlistedTests(suite: SuiteListing): {
  failed: number;
  errored: number;
  skipped: number;
  passed: number;
} {
  const { declared } = suite;
  // The failed attempts a test case records (surefire's reruns) are the failures surefire declares
  // for them: only what they do not account for is unlisted.
  const failed = Math.max(0, declared.failures - suite.failedAttempts);
  const errored = Math.max(0, declared.errors - suite.erroredAttempts);
  const attempts = suite.failedAttempts + suite.erroredAttempts;
  // Skips it declares beyond the skipped test cases it holds, in a suite that declares more tests
  // than it holds, were left out of the report (mocha-junit-reporter leaves out pending tests unless
  // `includePending`): they count as skipped, which can only make `maxSkipped` stricter; they never
  // ran, so they never help `minTests`. Only as many as it declares tests it does not hold: CTest
  // and cucumber declare a test Tollgate reads as errored (not run, an error) as skipped as well.
  const leftOut = Math.max(
    0,
    Math.min(declared.skipped - suite.skipped, declared.tests - suite.listed - attempts),
  );
  if (suite.withFailure + suite.withError > 0) {
    const missing = Math.max(failed, errored) - suite.issueElements;
    return { failed: Math.max(0, missing), errored: 0, skipped: leftOut, passed: 0 };
  }
  if (failed + errored === 0) return { failed: 0, errored: 0, skipped: leftOut, passed: 0 };
  const skipped = Math.max(0, declared.skipped - suite.skipped);
  const passed = Math.max(0, declared.tests - suite.listed - attempts - failed - errored - skipped);
  return { failed, errored, skipped, passed };
}

/** Default memory for recognising reruns: 200,000 names, about 150 bytes each. */
export const RETRY_MEMORY = 200_000;

/** State bits of a remembered test in the merged view, beside its outcome (bits 0-1). */
const FLAKY_BIT = 4;
const FAILED_ONCE_BIT = 8;
const OUTCOME_BITS = 3;

/** One `<testsuite>` or `<testsuites>`: reruns are recognised among its direct test cases. */
interface Scope {
  id: number;
  /** `classname NUL file` → test name → merged state; created on the first test case. */
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

/** A view's running counts and failure names. */
class View {
  readonly counts = [0, 0, 0, 0];
  flaky = 0;
  readonly failures: TestFailure[] = [];
  /** Identity keys of `failures` (merged view only), so a later pass can take a name out again. */
  readonly keys: string[] = [];
  failuresOmitted = 0;

  move(from: Outcome, to: Outcome): void {
    this.counts[from] = (this.counts[from] ?? 0) - 1;
    this.counts[to] = (this.counts[to] ?? 0) + 1;
  }

  addFailure(run: CaseRun, key: string | undefined): void {
    if (this.failures.length >= FAILED_NAMES_CAP) {
      this.failuresOmitted += 1;
      return;
    }
    const failure: TestFailure = {
      // GoogleTest writes a failing SetUpTestSuite/TearDownTestSuite, surefire a failing @BeforeAll,
      // as a test case with name="": the decision names the suite rather than an empty string.
      name: capName(
        run.name.trim() === ''
          ? `(a test case with no name in suite ${run.suite ?? '(unnamed suite)'})`
          : run.name,
      ),
      kind: run.outcome === FAILED ? 'failure' : 'error',
    };
    if (run.classname) failure.classname = capName(run.classname);
    if (run.message) failure.message = detach(run.message);
    this.failures.push(failure);
    if (key !== undefined) this.keys.push(key);
  }

  removeFailure(key: string): void {
    const index = this.keys.indexOf(key);
    if (index === -1) {
      this.failuresOmitted -= 1;
      return;
    }
    this.failures.splice(index, 1);
    this.keys.splice(index, 1);
  }

  result(): TestCounts {
    const [passed = 0, failed = 0, errored = 0, skipped = 0] = this.counts;
    return {
      tests: passed + failed + errored + skipped,
      passed,
      failed,
      errored,
      skipped,
      flaky: this.flaky,
      failures: this.failures,
      failuresOmitted: this.failuresOmitted,
    };
  }
}

/** What a tally found: both views, and how many test cases repeated an earlier one. */
export interface TallyResult {
  everyCase: TestCounts;
  merged: TestCounts;
  /** Test cases that repeat the name, classname and file of an earlier one in the same suite. */
  repeats: number;
  /** Test cases counted without looking for an earlier run (memory cap reached). */
  retriesUntracked: number;
}

/** The counting rules of one file; fed by the streaming driver. */
export class JunitTally {
  private readonly everyCase = new View();
  private readonly merged = new View();
  private readonly scopes: Scope[] = [];
  private nextScopeId = 0;
  /** Test names currently remembered across the open scopes. */
  private remembered = 0;
  private repeats = 0;
  private retriesUntracked = 0;
  /** Entries added by `addUnlisted`, to give each a key of its own. */
  private unlisted = 0;

  /** @param retryMemory how many test names (of the suites open at one time) are remembered. */
  constructor(private readonly retryMemory = RETRY_MEMORY) {}

  get openScopes(): number {
    return this.scopes.length;
  }

  openScope(): void {
    this.scopes.push({
      id: this.nextScopeId++,
      seen: undefined,
      lastClassname: undefined,
      lastFile: undefined,
      lastNames: undefined,
      remembered: 0,
      spansChunks: false,
    });
  }

  closeScope(): void {
    const scope = this.scopes.pop();
    if (scope !== undefined) this.remembered -= scope.remembered;
  }

  /**
   * Before the driver feeds the next chunk: re-keys the names remembered by the suites still open
   * with copies, so the chunk they were sliced from can go, and from then on those suites copy
   * their names as they come. Most suites close in the chunk they opened in, and are never copied.
   */
  detachOpenScopes(): void {
    for (const scope of this.scopes) {
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

  /** Counts one closed test case in both views. The driver guarantees a scope is open. */
  add(run: CaseRun): void {
    const { outcome } = run;
    const failing = isFailing(outcome);
    // Every test case is a test.
    this.everyCase.counts[outcome] = (this.everyCase.counts[outcome] ?? 0) + 1;
    if (outcome === PASSED && run.rerunMarked) this.everyCase.flaky += 1;
    if (failing) this.everyCase.addFailure(run, undefined);

    const scope = this.scopes[this.scopes.length - 1]!;
    // A test case without a name is no test one can name again: never the rerun of another.
    if (run.name === '') {
      this.addFirstRun(scope, undefined, run);
      return;
    }
    const names = namesOf(scope, run.classname, run.file);
    const previous = names.get(run.name);
    if (previous === undefined) {
      this.addFirstRun(scope, names, run);
      return;
    }
    this.repeats += 1;
    names.set(run.name, this.addRerun(scope, previous, run));
  }

  /**
   * Counts `count` tests that no `<testcase>` lists: a suite-level `<failure>`/`<error>` (Ant's
   * formatter writes one when a suite fails outside its tests), or what a suite declares in its
   * attributes beyond its listing (see the driver's `closeSuite`). They are counted in both views
   * alike and never take part in rerun matching: nothing can clear them.
   * @param run the outcome, and the name and message every failure entry carries
   */
  addUnlisted(run: CaseRun, count = 1): void {
    const { outcome } = run;
    for (const view of [this.everyCase, this.merged]) {
      view.counts[outcome] = (view.counts[outcome] ?? 0) + count;
      if (!isFailing(outcome)) continue;
      let named = 0;
      while (named < count && view.failures.length < FAILED_NAMES_CAP) {
        // A key no test case can have, so that no later pass takes the entry out again.
        view.addFailure(run, view === this.merged ? `\u0001unlisted\u0000${this.unlisted++}` : undefined);
        named += 1;
      }
      view.failuresOmitted += count - named;
    }
  }

  /**
   * Moves one test of `view` from one outcome to another, for a test case already counted in an
   * earlier report (`AcrossReports`): a failing outcome it moves to is named by `run`.
   */
  adjust(view: 'every' | 'merged', from: Outcome, to: Outcome, flaky: number, run: CaseRun): void {
    const counts = view === 'every' ? this.everyCase : this.merged;
    counts.flaky += flaky;
    if (from === to) return;
    counts.move(from, to);
    if (isFailing(to) && !isFailing(from)) {
      const named = { ...run, outcome: to };
      counts.addFailure(named, view === 'merged' ? `\u0001across\u0000${this.unlisted++}` : undefined);
    }
  }

  /** `names` is where the test is remembered for its reruns; undefined for one never matched. */
  private addFirstRun(scope: Scope, names: Map<string, number> | undefined, run: CaseRun): void {
    const { outcome } = run;
    const failing = isFailing(outcome);
    let state: number = outcome;
    this.merged.counts[outcome] = (this.merged.counts[outcome] ?? 0) + 1;
    if (failing || run.rerunMarked) state |= FAILED_ONCE_BIT;
    if (outcome === PASSED && run.rerunMarked) {
      this.merged.flaky += 1;
      state |= FLAKY_BIT;
    }
    if (failing) this.merged.addFailure(run, failureKey(scope, run));
    if (names === undefined) return;
    // Remembering every name of a giant single suite would make memory grow with the file: past
    // the limit only failing tests (the ones a rerun can clear) are remembered, then none.
    if (this.remembered < this.retryMemory || (failing && this.remembered < 2 * this.retryMemory)) {
      names.set(scope.spansChunks ? detach(run.name) : run.name, state);
      scope.remembered += 1;
      this.remembered += 1;
    } else {
      this.retriesUntracked += 1;
    }
  }

  /** A later run of a remembered test: the merged outcome after it, and the new state. */
  private addRerun(scope: Scope, previous: number, run: CaseRun): number {
    const before = (previous & OUTCOME_BITS) as Outcome;
    const { outcome } = run;
    // A pass clears an earlier failure; a skip changes nothing (a skipped rerun says nothing about
    // the failure before it); a failure after a pass or a skip fails the test again.
    const after: Outcome =
      outcome === PASSED ? PASSED : outcome === SKIPPED ? before : isFailing(before) ? before : outcome;
    let state = previous;
    if (isFailing(outcome) || run.rerunMarked) state |= FAILED_ONCE_BIT;
    if (after !== before) {
      this.merged.move(before, after);
      if (isFailing(before)) this.merged.removeFailure(failureKey(scope, run));
      if (isFailing(after)) this.merged.addFailure(run, failureKey(scope, run));
      state = (state & ~OUTCOME_BITS) | after;
    }
    const flaky = after === PASSED && (state & FAILED_ONCE_BIT) !== 0;
    if (flaky && (state & FLAKY_BIT) === 0) {
      this.merged.flaky += 1;
      state |= FLAKY_BIT;
    } else if (!flaky && (state & FLAKY_BIT) !== 0) {
      this.merged.flaky -= 1;
      state &= ~FLAKY_BIT;
    }
    return state;
  }

  result(): TallyResult {
    return {
      everyCase: this.everyCase.result(),
      merged: this.merged.result(),
      repeats: this.repeats,
      retriesUntracked: this.retriesUntracked,
    };
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

function failureKey(scope: Scope, run: CaseRun): string {
  return detach(`${scope.id}\u0000${run.classname ?? ''}\u0000${run.file ?? ''}\u0000${run.name}`);
}

/** Longest test name or classname kept in a failure entry, in characters (as failure messages). */
export const FAILURE_NAME_CAP = 500;

/**
 * A detached copy of a name, cut at `FAILURE_NAME_CAP`: a report of a few huge names (one test case
 * named with megabytes) must not make a record of megabytes in the ledger and the decision.
 */
function capName(name: string): string {
  return detach(name.length <= FAILURE_NAME_CAP ? name : `${name.slice(0, FAILURE_NAME_CAP - 1)}…`);
}

export function isFailing(outcome: Outcome): boolean {
  return outcome === FAILED || outcome === ERRORED;
}

/**
 * A copy of `text` that does not point into the parser's 1 MiB chunk. Attribute values are V8
 * slices of the chunk they came from: keeping one alive keeps the whole chunk alive, so every
 * string kept after its chunk is parsed goes through here (slicing a concatenation flattens it).
 */
export function detach(text: string): string {
  return ` ${text}`.slice(1);
}

/** Default number of test cases remembered to recognise one seen in an earlier report. */
export const ACROSS_MEMORY = 400_000;

/** What `AcrossReports` remembers of a test case seen in an earlier report. */
interface SeenCase {
  /** The report (`AcrossReports.startReport` count) it was first seen in. */
  report: number;
  /** Its `hostname` path (interned): a pass clears a failure across reports only on the same one. */
  host: number;
  /** Every-case view: its outcome, the worst of its runs (a failure anywhere stays a failure). */
  every: Outcome;
  everyFlaky: boolean;
  /** Reruns-merged view: its outcome by the rerun rule (a failure is cleared only by a later pass). */
  merged: Outcome;
  mergedFailedOnce: boolean;
  mergedFlaky: boolean;
}

/**
 * Test cases seen in more than one report of one `attest tests` call. A report attested twice (the
 * same run re-encoded, with a byte order mark or a newline added, so not the same bytes) or two
 * overlapping shards would otherwise count each of its tests twice and meet a `minTests` they do not.
 * A test case is the same when its suite's name path, classname, file and name are: seen in a
 * later report it adds no test. In the every-case view its outcome is the worst of its runs (a
 * failure in any report stays a failure, a pass counts over a skip); in the reruns-merged view a
 * later report's run is a rerun, as within one report (a failure is cleared only by a later pass),
 * except that a pass in a report from another `hostname` (another Playwright project, another
 * machine) never clears a failure. Shards of disjoint test cases add up as before.
 *
 * Counts are adjusted in the tally of the report being read, so one report's counts may go below
 * zero: only their sum (`mergeTotals`) is meaningful. A failure cleared in the merged view is
 * listed in `cleared`, for `mergeTotals` to take out of the earlier report's names.
 */
export class AcrossReports {
  private readonly seen = new Map<string, SeenCase>();
  private readonly hosts = new Map<string, number>();
  private report = 0;
  /** Test cases of a later report that were already seen in an earlier one (counted once). */
  duplicates = 0;
  /** Test cases not remembered because `memory` test cases already were (compared with none). */
  untracked = 0;
  /** Merged-view failures of earlier reports that a later report's pass cleared. */
  readonly cleared: Array<{ name: string; classname: string | undefined }> = [];

  constructor(private readonly memory = ACROSS_MEMORY) {}

  /** Called before each report is read. */
  startReport(): void {
    this.report += 1;
  }

  hostId(hostPath: string): number {
    let id = this.hosts.get(hostPath);
    if (id === undefined) {
      id = this.hosts.size;
      this.hosts.set(detach(hostPath), id);
    }
    return id;
  }

  /**
   * Takes one closed test case of the current report. Returns true when it was seen in an earlier
   * report and `tally` was adjusted for it (it must not be counted again); false when the tally
   * counts it as usual.
   */
  take(key: string, host: number, run: CaseRun, tally: JunitTally): boolean {
    const { outcome } = run;
    const seen = this.seen.get(key);
    if (seen === undefined) {
      if (this.seen.size >= this.memory) {
        this.untracked += 1;
        return false;
      }
      const failing = isFailing(outcome);
      this.seen.set(detach(key), {
        report: this.report,
        host,
        every: outcome,
        everyFlaky: outcome === PASSED && run.rerunMarked,
        merged: outcome,
        mergedFailedOnce: failing || run.rerunMarked,
        mergedFlaky: outcome === PASSED && run.rerunMarked,
      });
      return false;
    }
    if (seen.report === this.report) {
      // A repeat within this report: the tally counts it by its own rules; remember its outcome
      // for later reports as the tally's views see it.
      this.fold(seen, host, run, undefined);
      return false;
    }
    this.duplicates += 1;
    this.fold(seen, host, run, tally);
    return true;
  }

  /** Folds a run into what is remembered; with `tally`, moves that report's counts to match. */
  private fold(seen: SeenCase, host: number, run: CaseRun, tally: JunitTally | undefined): void {
    const { outcome } = run;
    // Every-case view: the worst outcome (failure or error, then pass, then skip).
    const every = isFailing(seen.every)
      ? seen.every
      : isFailing(outcome) || outcome === PASSED
        ? outcome
        : seen.every;
    const everyFlaky = every === PASSED && (seen.everyFlaky || (outcome === PASSED && run.rerunMarked));
    // Merged view: the rerun rule, but a pass from another host never clears a failure, nor one of a
    // test case with no name (a failing SetUpTestSuite: no test one can name again).
    const before = seen.merged;
    const clears = outcome === PASSED && (!isFailing(before) || (host === seen.host && run.name !== ''));
    const merged: Outcome = clears
      ? PASSED
      : outcome === SKIPPED || outcome === PASSED
        ? before
        : isFailing(before)
          ? before
          : outcome;
    const mergedFailedOnce = seen.mergedFailedOnce || isFailing(outcome) || run.rerunMarked;
    const mergedFlaky = merged === PASSED && mergedFailedOnce;
    if (tally !== undefined) {
      tally.adjust('every', seen.every, every, Number(everyFlaky) - Number(seen.everyFlaky), run);
      tally.adjust('merged', before, merged, Number(mergedFlaky) - Number(seen.mergedFlaky), run);
      if (isFailing(before) && !isFailing(merged))
        this.cleared.push({
          name: capName(run.name),
          classname: run.classname ? capName(run.classname) : undefined,
        });
    }
    seen.every = every;
    seen.everyFlaky = everyFlaky;
    seen.merged = merged;
    seen.mergedFailedOnce = mergedFailedOnce;
    seen.mergedFlaky = mergedFlaky;
  }
}
