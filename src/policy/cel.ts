/**
 * Custom rules in CEL (Common Expression Language) with @marcbachmann/cel-js. Rules are type-checked
 * against one documented context and compiled when the contract loads (`compileRule`; the loaded
 * contract holds the program), and evaluated against values only (`evaluateRule`). An evaluation
 * error is an answer, not an exception: the gate fails closed and shows the error.
 *
 * The context (docs/policy.md lists it with examples):
 * - `artifact`: { digest, labels: map<string,string>, registeredAt: timestamp, source, author }
 * - `stage`: { name, purpose, from: list<string> }
 * - `actor`: { name, groups: list<string> } — the promoter (or `check --as`)
 * - `now`: timestamp — the evaluation clock
 * - `evidence`: map<string, dyn> by kind: { count, signed, stages, latest, records } and for
 *   `tests` also `suites` (suite name → the latest summary's fields)
 * - `upstream`: map<string, Promotion> — the digest's latest promotion into each upstream stage it entered
 * - `promotions`: list<Promotion> — every promotion of the digest, oldest first
 * - `approvals`: list<Approval> — the latest word of each person about this digest and stage
 * where Promotion is { stage, status, actor, at: timestamp, verified, trusted } and Approval is
 * { actor, decision ("approve" or "reject"), at: timestamp, comment, counted }.
 */
import { Environment } from '@marcbachmann/cel-js';
import { byCodeUnits } from '../text/order.js';
import { describeUnsafePattern } from './regex-safety.js';

const TIMESTAMP = 'google.protobuf.Timestamp';

// cel-js checks field access against registered types by constructor, so each typed object of the
// context is an instance of one of these small classes.
class CelArtifact {
  constructor(value: Record<string, unknown>) {
    Object.assign(this, value);
  }
}
class CelStage {
  constructor(value: Record<string, unknown>) {
    Object.assign(this, value);
  }
}
class CelActor {
  constructor(value: Record<string, unknown>) {
    Object.assign(this, value);
  }
}
class CelPromotion {
  constructor(value: Record<string, unknown>) {
    Object.assign(this, value);
  }
}
class CelApproval {
  constructor(value: Record<string, unknown>) {
    Object.assign(this, value);
  }
}

function createEnvironment(): Environment {
  return new Environment({ unlistedVariablesAreDyn: false, enableOptionalTypes: true })
    .registerType('tollgate.Artifact', {
      ctor: CelArtifact,
      fields: {
        digest: 'string',
        labels: 'map<string, string>',
        registeredAt: TIMESTAMP,
        source: 'string',
        author: 'string',
      },
    })
    .registerType('tollgate.Stage', {
      ctor: CelStage,
      fields: { name: 'string', purpose: 'string', from: 'list<string>' },
    })
    .registerType('tollgate.Actor', { ctor: CelActor, fields: { name: 'string', groups: 'list<string>' } })
    .registerType('tollgate.Promotion', {
      ctor: CelPromotion,
      fields: {
        stage: 'string',
        status: 'string',
        actor: 'string',
        at: TIMESTAMP,
        verified: 'bool',
        trusted: 'bool',
      },
    })
    .registerType('tollgate.Approval', {
      ctor: CelApproval,
      fields: { actor: 'string', decision: 'string', at: TIMESTAMP, comment: 'string', counted: 'bool' },
    })
    .registerVariable('artifact', 'tollgate.Artifact')
    .registerVariable('stage', 'tollgate.Stage')
    .registerVariable('actor', 'tollgate.Actor')
    .registerVariable('now', TIMESTAMP)
    .registerVariable('evidence', 'map<string, dyn>')
    .registerVariable('upstream', 'map<string, tollgate.Promotion>')
    .registerVariable('promotions', 'list<tollgate.Promotion>')
    .registerVariable('approvals', 'list<tollgate.Approval>');
}

// The environment is the documented context's definition, the same for every rule; it is built on
// first use rather than at start-up, so commands that read no contract rules never pay for it.
let environment: Environment | undefined;
function env(): Environment {
  environment ??= createEnvironment();
  return environment;
}

/** A compiled rule: call it with a context from `buildRuleContext`. */
export type CompiledRule = (context: RuleContext) => unknown;

export type RuleCheck = { ok: true; type: string } | { ok: false; message: string };

/**
 * Parses and type-checks a rule against the documented context. The message names the CEL error
 * and where in the expression it is (line and column within the expression).
 * @example checkRule('artifact.labels["kind"] != "hotfix" || has(artifact.labels.ticket)') // { ok: true, type: 'bool' }
 */
export function checkRule(source: string): RuleCheck {
  if (typeof source !== 'string' || source.trim() === '')
    return { ok: false, message: 'expected a CEL expression' };
  let result: ReturnType<Environment['check']>;
  try {
    result = env().check(source);
  } catch (error) {
    return { ok: false, message: `CEL: ${describeCelError(error, source)}` };
  }
  if (!result.valid) return { ok: false, message: `CEL: ${describeCelError(result.error, source)}` };
  const hasProblem = checkHasOperands(source) ?? checkPatterns(source) ?? checkTextOrder(source);
  if (hasProblem) return { ok: false, message: `CEL: ${hasProblem}` };
  const { depth } = analyseComprehensions(source);
  if (depth > MAX_COMPREHENSION_DEPTH)
    return {
      ok: false,
      message: `CEL: comprehensions (all, exists, exists_one, map, filter) nested ${depth} deep; at most ${MAX_COMPREHENSION_DEPTH}: each level multiplies the evaluation time by its list's length (up to 1,000 items written in a rule), so a rule would stall every decision; a walk down into the item (\`records.all(r, r.data.components.all(c, …))\`) does not count`,
    };
  const type = result.type ?? 'dyn';
  if (type !== 'bool' && type !== 'dyn') {
    return { ok: false, message: `CEL: a rule must be a boolean expression; this one gives ${type}` };
  }
  // Last: what the rule is made of is told first, then whether it judges anything.
  const judgesNothing = checkReadsContext(source);
  if (judgesNothing) return { ok: false, message: `CEL: ${judgesNothing}` };
  return { ok: true, type };
}

const VARIABLES = new Set([
  'artifact',
  'stage',
  'actor',
  'now',
  'evidence',
  'upstream',
  'promotions',
  'approvals',
]);

interface AstNode {
  op: string;
  args: unknown;
  start: number;
  end: number;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'start' in value;
}

/**
 * The first problem `visit` finds in the parsed rule, walking every node (a rule that does not
 * parse has none here: the type check reports it).
 */
function firstNodeProblem(source: string, visit: (node: AstNode) => string | undefined): string | undefined {
  let root: unknown;
  try {
    root = (env().parse(source) as unknown as { ast: unknown }).ast;
  } catch {
    return undefined;
  }
  return firstInTree(root, visit);
}

/** The first answer `visit` gives for a node of the tree under `root` (every node, any order). */
function firstInTree<T>(root: unknown, visit: (node: AstNode) => T | undefined): T | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    if (!isNode(node)) continue;
    const found = visit(node);
    if (found !== undefined) return found;
    stack.push(node.args);
  }
  return undefined;
}

/**
 * A rule must read the promotion it judges. One that reads none of the context (`true`, `1 == 1`,
 * `"a" == "a"`) gives the same answer for every digest: a rules gate that says "validated" and
 * checks nothing, or one that never passes. And `… || true` is true whatever the rest reads.
 */
function checkReadsContext(source: string): string | undefined {
  let root: unknown;
  try {
    root = (env().parse(source) as unknown as { ast: unknown }).ast;
  } catch {
    return undefined;
  }
  const reads = firstInTree(root, (node) =>
    node.op === 'id' && typeof node.args === 'string' && VARIABLES.has(node.args) ? true : undefined,
  );
  if (reads === undefined)
    return `the rule reads nothing of the promotion (${[...VARIABLES].join(', ')}), so it gives the same answer for every digest and checks nothing; write the condition it stands for, or remove the rule`;
  return firstInTree(root, (node) => {
    if (node.op !== '||' || !Array.isArray(node.args)) return undefined;
    const literal = (node.args as unknown[]).find(
      (operand) => isNode(operand) && operand.op === 'value' && operand.args === true,
    );
    return isNode(literal)
      ? `\`|| true\` (column ${literal.start + 1} of the expression) makes the rule true whatever the rest says, so it checks nothing; remove it`
      : undefined;
  });
}

/**
 * cel-js does not type-check the operand of `has()`, so `has(artifact.lables.ticket)` would load
 * and quietly be false forever. Check each such operand as an expression of its own when it starts
 * from a context variable (a comprehension variable is not known outside its macro).
 */
function checkHasOperands(source: string): string | undefined {
  return firstNodeProblem(source, (node) => {
    const args = node.args;
    if (node.op !== 'call' || !Array.isArray(args) || args[0] !== 'has') return undefined;
    const operand = (args[1] as unknown[] | undefined)?.[0];
    if (!isNode(operand) || !VARIABLES.has(rootIdentifier(operand) ?? '')) return undefined;
    const text = source.slice(operand.start, operand.end);
    const check = env().check(text);
    if (check.valid) return undefined;
    const message = check.error?.message.split('\n')[0] ?? 'invalid operand';
    return `${message} in has(${text}) (column ${operand.start + 1} of the expression)`;
  });
}

/**
 * The pattern of every `matches()` must be written in the rule, and safe to run
 * (src/policy/regex-safety.ts): cel-js runs it as a backtracking JavaScript RegExp, and the text
 * it is matched against (a label, evidence) comes from whoever registered or attested.
 */
function checkPatterns(source: string): string | undefined {
  return firstNodeProblem(source, (node) => {
    const args = node.args;
    if (node.op !== 'rcall' || !Array.isArray(args) || args[0] !== 'matches') return undefined;
    const pattern = (args[2] as unknown[] | undefined)?.[0];
    const column = isNode(pattern) ? pattern.start + 1 : node.start + 1;
    if (!isNode(pattern) || pattern.op !== 'value' || typeof pattern.args !== 'string')
      return `matches() takes its pattern as a string written in the rule (column ${column} of the expression): a pattern built from data could be one that stalls every decision`;
    const unsafe = describeUnsafePattern(pattern.args);
    return unsafe === undefined
      ? undefined
      : `the pattern ${JSON.stringify(pattern.args)} of matches() (column ${column} of the expression) ${unsafe}`;
  });
}

const ORDERINGS = new Set(['<', '<=', '>', '>=']);
const NUMBER_TEXT = /^[-+]?\d+(\.\d+)?$/;

/**
 * `<`, `<=`, `>` or `>=` against a number written as text (`artifact.labels.coverage >= "80"`).
 * Labels are text, and CEL orders text character by character: "9" >= "80" is true, "100" >= "80"
 * false, so the rule would pass the digest it reads as refusing. Text against text that is no
 * number (a date, a name) orders as it reads.
 */
function checkTextOrder(source: string): string | undefined {
  return firstNodeProblem(source, (node) => {
    if (!ORDERINGS.has(node.op) || !Array.isArray(node.args)) return undefined;
    const index = (node.args as unknown[]).findIndex(
      (operand) => isNode(operand) && operand.op === 'value' && typeof operand.args === 'string',
    );
    const literal = node.args[index] as AstNode | undefined;
    if (literal === undefined || !NUMBER_TEXT.test(literal.args as string)) return undefined;
    const text = literal.args as string;
    const convert = `${text.includes('.') ? 'double' : 'int'}(…)`;
    const number = text.replace(/^\+/, '');
    const suggestion = index === 0 ? `${number} ${node.op} ${convert}` : `${convert} ${node.op} ${number}`;
    return `${JSON.stringify(text)} is a number written as text (column ${literal.start + 1} of the expression): text is ordered character by character, so "9" > "80" and "100" < "80"; compare numbers (${suggestion})`;
  });
}

/**
 * Most comprehensions nested inside one another's bodies. cel-js bounds a rule's size when it is
 * parsed (list literals of at most 1,000 items, 100,000 nodes), not its evaluation: three lists of
 * 1,000 nested are a billion steps. Two levels cover every rule we know (an approval whose actor is
 * in a list; a suite whose records all pass).
 */
const MAX_COMPREHENSION_DEPTH = 2;

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/**
 * One term of a rule's cost bound:
 * `factor × longest^longest × widest^widest × total^total × chars^chars`, where `longest` is the
 * most items one list or map of the decision's context holds, `widest` the most items one list, map
 * or string holds (a string of n characters reads n, and splits into up to n + 1 items), `total`
 * the items all of its lists and maps hold together, and `chars` the characters all its strings
 * hold together (see `measureRuleContext`). A long label thus weighs on string work and on lists
 * the rule builds from strings, never on a comprehension over the context's own lists.
 */
interface CostTerm {
  factor: number;
  longest: number;
  widest?: number;
  total: number;
  chars?: number;
}

/** What the syntax tree says about a rule's evaluation cost, before any data is known. */
interface ComprehensionShape {
  /**
   * How deep comprehensions nest in their bodies, each multiplying the steps of the one around it (a
   * receiver is evaluated once, not per item; a walk down into the item, as `r.data.components`
   * inside `records.all(r, …)`, does not multiply).
   */
  depth: number;
  /** The steps a rule can take at most: one per comprehension item, one per item `in` compares. */
  cost: CostTerm[];
}

interface CostScope {
  /** How many times this scope's body runs in one evaluation. */
  runs: CostTerm;
  /** The comprehension variable it binds, if any. */
  variable?: string;
  /** Its items are disjoint parts of the context (a path into it), so paths below them add up to `total`. */
  disjoint: boolean;
  /** How many times its comprehension sweeps over its disjoint parts (runs of the outermost one of a walk). */
  sweeps: CostTerm;
  /** Its items are values of the context (not of a list the rule built), so lists below them are too. */
  fromContext: boolean;
  parent?: CostScope;
}

const ONE: CostTerm = { factor: 1, longest: 0, total: 0 };
const LONGEST: CostTerm = { factor: 1, longest: 1, total: 0 };
/**
 * Characters string work reads per step. A step (one item of a comprehension) is a few hundred
 * nanoseconds of cel-js; reading a character is 0.1 (`contains`) to 25 (`size()`, which counts code
 * points one by one) nanoseconds: `size()` of a 1 MB label for each of 10,000 SBOM components ran
 * 245 s, and `lowerAscii()` 34 s, under a bound of one million steps.
 */
const CHARS_PER_STEP = 16;
const WIDEST: CostTerm = { factor: 1, longest: 0, widest: 1, total: 0 };
const TEXT: CostTerm = { factor: 1 / CHARS_PER_STEP, longest: 0, widest: 1, total: 0 };
const CHARS: CostTerm = { factor: 1 / CHARS_PER_STEP, longest: 0, total: 0, chars: 1 };

function times(a: CostTerm, b: CostTerm): CostTerm {
  const chars = (a.chars ?? 0) + (b.chars ?? 0);
  const widest = (a.widest ?? 0) + (b.widest ?? 0);
  return {
    factor: a.factor * b.factor,
    longest: a.longest + b.longest,
    total: a.total + b.total,
    ...(widest === 0 ? {} : { widest }),
    ...(chars === 0 ? {} : { chars }),
  };
}

/**
 * Functions whose time grows with the length of a string they are given (or make): cel-js's
 * `size()` counts code points one by one, `matches()` builds a RegExp and scans, `lowerAscii()`
 * copies, and so on. `+` joins strings or lists; what reads the joined text then goes over all of it.
 */
const STRING_WORK = new Set([
  'size',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
  'indexOf',
  'lastIndexOf',
  'lowerAscii',
  'upperAscii',
  'trim',
  'substring',
  'split',
  'join',
  'replace',
  'charAt',
  'format',
  'reverse',
  'quote',
  'string',
  'bytes',
]);

/** The operands of a call, method call or `+` that does string work, or undefined for any other node. */
function stringWorkOperands(node: AstNode): unknown[] | undefined {
  const args = node.args;
  if (!Array.isArray(args)) return undefined;
  if (node.op === '+') return args;
  if (node.op === 'rcall' && STRING_WORK.has(args[0] as string)) return [args[1], ...(args[2] as unknown[])];
  if (node.op === 'call' && STRING_WORK.has(args[0] as string)) return [...(args[1] as unknown[])];
  return undefined;
}

/**
 * True when every variable `operand` reads is the item of `scope` itself, a part of the context
 * (or the operand reads none, as a literal): its strings are then that item's own, and one sweep
 * of the comprehension reads each string of the context at most once.
 */
function readsOnlyTheItem(operand: unknown, scope: CostScope): boolean {
  const other = firstInTree(operand, (node) =>
    node.op === 'id' && (!scope.disjoint || node.args !== scope.variable) ? true : undefined,
  );
  return other === undefined;
}

function isBound(scope: CostScope | undefined, name: string): boolean {
  return bindingOf(scope, name) !== undefined;
}

function bindingOf(scope: CostScope | undefined, name: string): CostScope | undefined {
  for (let s = scope; s !== undefined; s = s.parent) if (s.variable === name) return s;
  return undefined;
}

/** True when `node` is a path into the context: from a variable, or from the item of a comprehension over one. */
function isContextPath(node: unknown, scope: CostScope): boolean {
  const from = isNode(node) ? rootIdentifier(node) : undefined;
  if (from === undefined) return false;
  const binding = bindingOf(scope, from);
  return binding === undefined ? VARIABLES.has(from) : binding.fromContext;
}

/**
 * How many items a list or map the rule iterates or searches holds at most: a literal its own
 * items, a path into the context its longest list or map; anything else (`split`, `map`, `+`) may
 * be as long as the longest string too.
 */
function itemsOf(node: unknown, scope: CostScope): CostTerm {
  if (isNode(node) && (node.op === 'list' || node.op === 'map') && Array.isArray(node.args))
    return { factor: node.args.length, longest: 0, total: 0 };
  return isContextPath(node, scope) ? LONGEST : WIDEST;
}

/** The characters of the string literals in `operands`, which string work reads each time it runs. */
function literalChars(operands: unknown[]): number {
  let chars = 0;
  firstInTree(operands, (node) => {
    if (node.op === 'value' && typeof node.args === 'string') chars += node.args.length;
    return undefined;
  });
  return chars;
}

/**
 * Bounds a rule's steps as a sum of terms over the sizes of the data it will meet. A comprehension
 * over a path into the context (`evidence.sbom.records`) takes at most `longest` items each time it
 * runs; one over a path from the item of such an enclosing comprehension
 * (`r.data.components` inside `records.all(r, …)`) meets a different part of the context each time,
 * so all its runs together take at most `total` items. Anything else (a list the rule builds, with
 * `split`, `map` or `+`) is taken as `longest` per run: `+` and literals make it longer only by a
 * factor the rule's own size bounds. A list or map literal inside a body costs its items per run.
 */
function analyseComprehensions(source: string): ComprehensionShape {
  let root: unknown;
  try {
    root = (env().parse(source) as unknown as { ast: unknown }).ast;
  } catch {
    return { depth: 0, cost: [] };
  }
  let deepest = 0;
  const cost: CostTerm[] = [];
  const top: CostScope = { runs: ONE, disjoint: false, sweeps: ONE, fromContext: false };
  const stack: Array<[unknown, CostScope, number]> = [[root, top, 0]];
  while (stack.length > 0) {
    const [node, scope, depth] = stack.pop()!;
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, scope, depth]);
      continue;
    }
    if (!isNode(node)) continue;
    const args = node.args;
    const operands = scope === top ? undefined : stringWorkOperands(node);
    if (operands !== undefined) {
      // String work inside a comprehension runs once per item: over the item's own strings it
      // reads each of the context's characters once a sweep; over anything else (a label, a
      // string of the whole evidence, a joined list) up to the longest string each time.
      cost.push(
        operands.every((operand) => readsOnlyTheItem(operand, scope))
          ? times(scope.sweeps, CHARS)
          : times(scope.runs, TEXT),
      );
      // A string written in the rule is read whole each time too: the context's sizes do not bound it.
      const written = literalChars(operands);
      if (written > 0)
        cost.push(times(scope.runs, { factor: written / CHARS_PER_STEP, longest: 0, total: 0 }));
    }
    // A list or map written in the rule is built again, item by item, each time the body around
    // it runs (cel-js keeps no constant), and what joins or compares it goes over those items.
    if (scope !== top && (node.op === 'list' || node.op === 'map') && Array.isArray(args))
      cost.push(times(scope.runs, { factor: args.length, longest: 0, total: 0 }));
    if (node.op === 'in' && Array.isArray(args)) {
      cost.push(times(scope.runs, itemsOf(args[1], scope)));
    } else if (node.op === 'rcall' && Array.isArray(args) && COMPREHENSIONS.has(args[0] as string)) {
      const receiver = args[1];
      const body = args[2] as unknown[];
      const variable = isNode(body[0]) && typeof body[0].args === 'string' ? body[0].args : undefined;
      const from = isNode(receiver) ? rootIdentifier(receiver) : undefined;
      let items: CostTerm;
      let disjoint = false;
      let level = depth + 1;
      let sweeps = scope.runs;
      if (from !== undefined && from === scope.variable && scope.disjoint) {
        // A walk down into each item does not multiply: it counts as part of its parent.
        sweeps = scope.sweeps;
        items = times(sweeps, { factor: 1, longest: 0, total: 1 });
        disjoint = true;
        level = depth;
      } else {
        items = times(scope.runs, itemsOf(receiver, scope));
        disjoint = from !== undefined && VARIABLES.has(from) && !isBound(scope, from);
      }
      const fromContext = isContextPath(receiver, scope);
      deepest = Math.max(deepest, level);
      cost.push(items);
      stack.push(
        [receiver, scope, depth],
        [body, { runs: items, variable, disjoint, sweeps, fromContext, parent: scope }, level],
      );
      continue;
    }
    stack.push([args, scope, depth]);
  }
  return { depth: deepest, cost };
}

/**
 * The most steps a rule may take in one evaluation. cel-js bounds a rule's size when it parses it
 * (maxAstNodes, maxListElements) but not its evaluation, and offers no step or cost limit; ten
 * million steps are a few seconds of cel-js, a quadratic rule over an SBOM of 100,000 components
 * is ten billion.
 */
export const MAX_RULE_STEPS = 10_000_000;

/** The sizes a rule's cost bound is taken over (see `CostTerm`). */
export interface RuleContextSize {
  /** The most items one list or map holds. */
  longest: number;
  /** The most characters one string holds. */
  longestString: number;
  total: number;
  /** The characters all strings of the context hold together (map keys included). */
  chars: number;
}

/** The sizes of the lists, maps and strings in a rule context, walked once per decision. */
export function measureRuleContext(context: RuleContext): RuleContextSize {
  let longest = 0;
  let longestString = 0;
  let total = 0;
  let chars = 0;
  const stack: unknown[] = [context];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      // `split` makes a list of up to one item per character.
      longestString = Math.max(longestString, value.length);
      chars += value.length;
    } else if (Array.isArray(value)) {
      longest = Math.max(longest, value.length);
      total += value.length;
      for (const item of value) stack.push(item);
    } else if (value instanceof Map) {
      longest = Math.max(longest, value.size);
      total += value.size;
      for (const [key, item] of value) stack.push(key, item);
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      for (const item of Object.values(value)) stack.push(item);
    }
  }
  return { longest, longestString, total, chars };
}

/** The bound of a rule's steps over a context of this size. */
function estimateRuleSteps(program: RuleProgram, size: RuleContextSize): number {
  // `split` makes a list of up to one item per character, and one more.
  const widest = Math.max(size.longest, size.longestString + 1);
  let steps = 0;
  for (const term of program.cost)
    steps +=
      term.factor *
      size.longest ** term.longest *
      widest ** (term.widest ?? 0) *
      size.total ** term.total *
      size.chars ** (term.chars ?? 0);
  return steps;
}

function rootIdentifier(node: AstNode): string | undefined {
  let current: unknown = node;
  while (isNode(current)) {
    if (current.op === 'id') return typeof current.args === 'string' ? current.args : undefined;
    if (current.op !== '.' && current.op !== '.?' && current.op !== '[]') return undefined;
    current = (current.args as unknown[])[0];
  }
  return undefined;
}

/** A rule ready to evaluate. */
export interface RuleProgram {
  run: CompiledRule;
  /** The rule mentions `evidence`, whose conversion to CEL values is the costly part of a context. */
  readsEvidence: boolean;
  /** The rule reads a timestamp's calendar fields (`getHours`, `getDayOfYear`…), which cel-js reads in the process's zone. */
  readsWallClock: boolean;
  /** The bound of its steps, as terms over the context's sizes (`estimateRuleSteps`). */
  cost: readonly CostTerm[];
}

/**
 * Type-checks and compiles a rule (`checkRule`, then the program).
 * @example compileRule('now > artifact.registeredAt') // { ok: true, program: { run, readsEvidence: false } }
 */
export function compileRule(
  source: string,
): { ok: true; program: RuleProgram } | { ok: false; message: string } {
  const check = checkRule(source);
  if (!check.ok) return check;
  const run = env().parse(source) as unknown as CompiledRule;
  return {
    ok: true,
    program: {
      run,
      readsEvidence: /\bevidence\b/.test(source),
      readsWallClock: /\.get[A-Z]\w*\s*\(/.test(source),
      cost: analyseComprehensions(source).cost,
    },
  };
}

export type RuleOutcome = { ok: true; value: boolean } | { ok: false; error: string };

/**
 * Evaluates a compiled rule; an error or a non-boolean result is returned, never thrown. With the
 * context's `size`, a rule whose step bound over it exceeds `MAX_RULE_STEPS` is not run: it fails.
 */
export function evaluateRule(
  program: RuleProgram,
  context: RuleContext,
  source = '',
  size?: RuleContextSize,
): RuleOutcome {
  if (size !== undefined) {
    const steps = estimateRuleSteps(program, size);
    if (steps > MAX_RULE_STEPS)
      return {
        ok: false,
        error: `the rule may take up to ${formatSteps(steps)} steps over this decision's data (its longest list or map holds ${size.longest.toLocaleString('en-US')} items, its longest string ${size.longestString.toLocaleString('en-US')} characters, all its lists and maps ${size.total.toLocaleString('en-US')} items, all its strings ${size.chars.toLocaleString('en-US')} characters), more than the budget of ${MAX_RULE_STEPS.toLocaleString('en-US')}: a comprehension or \`in\` inside another one's body multiplies their lengths, and so does string work (\`size\`, \`matches\`, \`contains\`, \`+\`…) inside a comprehension on a string from outside its item, which reads that whole string for every item; look items up in a map, iterate a part of the item (\`records.all(r, r.data.components.all(c, …))\`), or do the work on the outside string once, outside the comprehension`,
      };
  }
  const rule = program.run;
  let value: unknown;
  try {
    value = program.readsWallClock ? inUtc(() => rule(context)) : rule(context);
  } catch (error) {
    return { ok: false, error: describeCelError(error, source) };
  }
  if (typeof value !== 'boolean')
    return { ok: false, error: `the rule gave ${describeValue(value)}, expected true or false` };
  return { ok: true, value };
}

/**
 * Runs `run` with the process in UTC. cel-js reads a zone's wall time (`now.getHours("Europe/Berlin")`)
 * by printing the timestamp in that zone and parsing the text back in the process's own zone, and
 * `getDayOfYear()` counts local days: in a zone with daylight saving the text of an hour its clock
 * skips reads as the hour after (Berlin's 02:30 read as 03:30 on New York's spring-forward night),
 * so a rule answered differently by machine. UTC skips no hour, so the text reads back as printed.
 * Evaluation is synchronous: nothing else runs, or starts a process, before the zone is restored.
 */
function inUtc<T>(run: () => T): T {
  const env = globalThis.process?.env;
  if (env === undefined || env.TZ === 'UTC') return run();
  const zone = env.TZ;
  env.TZ = 'UTC';
  try {
    return run();
  } finally {
    if (zone === undefined) delete env.TZ;
    else env.TZ = zone;
  }
}

function formatSteps(steps: number): string {
  return steps < 1e15 ? Math.round(steps).toLocaleString('en-US') : steps.toExponential(1);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `the number ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (value instanceof Promise) return 'a promise';
  return typeof value === 'object' ? 'a map or list' : `${typeof value} ${String(value)}`;
}

/** First line of a cel-js error plus its position inside the expression, when it has one. */
function describeCelError(error: unknown, source: string): string {
  if (!(error instanceof Error)) return String(error);
  // The parser and the evaluator recurse once per operator: a chain of thousands of `||` runs out
  // of stack, which says nothing to whoever wrote the rule.
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return 'the expression nests too deeply to read (thousands of operators in one chain); split it into several rules, or test membership with `in` and a list';
  const first = error.message.split('\n')[0] ?? error.message;
  const node = (error as { node?: { pos?: number; start?: number } }).node;
  const offset = node?.start ?? node?.pos;
  if (offset === undefined || source === '') return first;
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return line > 1
    ? `${first} (line ${line}, column ${column} of the expression)`
    : `${first} (column ${column} of the expression)`;
}

/** The plain facts a rule context is built from (see `buildRuleContext`). */
export interface RuleFacts {
  artifact: {
    digest: string;
    labels: Record<string, string>;
    registeredAt: string;
    source: string;
    author: string;
  };
  stage: { name: string; purpose: string; from: string[] };
  actor: { name: string; groups: string[] };
  now: Date;
  evidence: ReadonlyArray<{
    /** Where the ledger recorded it, when known: the order `latest` and `records` follow. */
    seq?: number;
    stage: string | null;
    format: string;
    signer: { name: string } | null;
    actor: string;
    recordedAt: string;
    data: { kind: string } & object;
  }>;
  promotions: ReadonlyArray<{ seq: number; stage: string; status: string; actor: string; at: string }>;
  approvals: ReadonlyArray<{
    actor: string;
    decision: string;
    at: string;
    comment?: string;
    /** An approval the stage counts (see `counted` in docs/policy.md); false for a rejection. */
    counted: boolean;
  }>;
}

/** The context rules see: CEL values (BigInt integers, Date timestamps, typed objects). */
export interface RuleContext {
  artifact: CelArtifact;
  stage: CelStage;
  actor: CelActor;
  now: Date;
  evidence: Record<string, unknown>;
  upstream: Map<string, CelPromotion>;
  promotions: CelPromotion[];
  approvals: CelApproval[];
}

/** Turns plain facts into the rule context, once per decision; every rule of the stage shares it. */
export function buildRuleContext(facts: RuleFacts): RuleContext {
  const promotions = [...facts.promotions]
    .sort((a, b) => a.seq - b.seq)
    .map(
      (p) =>
        new CelPromotion({
          stage: p.stage,
          status: p.status,
          actor: p.actor,
          at: new Date(p.at),
          verified: p.status === 'verified',
          trusted: p.status === 'promoted' || p.status === 'verified',
        }),
    );
  // Maps keyed by names the user chose are Maps: cel-js takes an object's `constructor` property
  // as its type, so a label or stage named `constructor` would make a plain object unusable.
  const upstream = new Map<string, CelPromotion>();
  for (const name of facts.stage.from) {
    const latest = promotions.filter((p) => (p as unknown as { stage: string }).stage === name).at(-1);
    if (latest) upstream.set(name, latest);
  }
  return {
    artifact: new CelArtifact({
      digest: facts.artifact.digest,
      labels: new Map(Object.entries(facts.artifact.labels)),
      registeredAt: new Date(facts.artifact.registeredAt),
      source: facts.artifact.source,
      author: facts.artifact.author,
    }),
    stage: new CelStage({
      name: facts.stage.name,
      purpose: facts.stage.purpose,
      from: [...facts.stage.from],
    }),
    actor: new CelActor({ name: facts.actor.name, groups: [...facts.actor.groups] }),
    now: facts.now,
    evidence: summariseEvidence(facts.evidence),
    upstream,
    promotions,
    approvals: facts.approvals.map(
      (a) =>
        new CelApproval({
          actor: a.actor,
          decision: a.decision,
          at: new Date(a.at),
          comment: a.comment ?? '',
          counted: a.counted,
        }),
    ),
  };
}

function summariseEvidence(records: RuleFacts['evidence']): Record<string, unknown> {
  const byKind: Record<
    string,
    {
      count: bigint;
      signed: bigint;
      stages: string[];
      latest: unknown;
      records: unknown[];
      suites?: Map<string, unknown>;
    }
  > = {};
  // Ledger order, which no recorder's clock moves: a failure attested after a pass by a runner
  // whose clock is slow is still the latest. Records the ledger does not place follow, by time.
  const order = (record: RuleFacts['evidence'][number]) => record.seq ?? Number.MAX_SAFE_INTEGER;
  const sorted = [...records].sort((a, b) => order(a) - order(b) || byCodeUnits(a.recordedAt, b.recordedAt));
  for (const record of sorted) {
    const kind = record.data.kind;
    byKind[kind] ??= { count: 0n, signed: 0n, stages: [], latest: null, records: [] };
    const summary = byKind[kind];
    const value = {
      data: toCelValue(record.data),
      stage: record.stage ?? '',
      format: record.format,
      signed: record.signer !== null,
      signer: record.signer?.name ?? '',
      actor: record.actor,
      recordedAt: new Date(record.recordedAt),
    };
    summary.count += 1n;
    if (record.signer !== null) summary.signed += 1n;
    if (record.stage !== null && !summary.stages.includes(record.stage)) summary.stages.push(record.stage);
    summary.latest = value;
    summary.records.push(value);
    const suite = (record.data as { suite?: unknown }).suite;
    if (kind === 'tests' && typeof suite === 'string') {
      summary.suites ??= new Map();
      summary.suites.set(suite, toCelValue(record.data));
    }
  }
  return byKind;
}

/**
 * JSON-like data as CEL values: whole numbers become int (BigInt), other numbers double, objects
 * Maps (a key such as `constructor` or `__proto__` in evidence is data, not an object's type).
 */
export function toCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out = new Map<string, unknown>();
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out.set(key, toCelValue(item));
    return out;
  }
  return value;
}
