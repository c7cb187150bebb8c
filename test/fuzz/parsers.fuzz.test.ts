/**
 * Property-based fuzzing (fast-check) of the contract loader and every evidence parser: whatever
 * the input, the only exception is a TollgateError (a clear, located input error), never a
 * TypeError, RangeError or a hang. Inputs are real documents mutated two ways — text edits (bytes
 * inserted, deleted, replaced: syntax errors) and structural edits (a subtree of the parsed
 * document replaced by an arbitrary JSON value: shape errors) — plus token soups for XML. Sizes are
 * bounded so the suite stays fast; the seed is printed on failure, so any finding replays.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateContract } from '../../src/contract/load-contract.js';
import { TollgateError } from '../../src/errors.js';
import { parseJunit } from '../../src/evidence/junit-parser.js';
import {
  type ExpectedEvidence,
  normaliseDocument,
  normalisePredicate,
} from '../../src/evidence/normalise-evidence.js';
import { SLSA_PROVENANCE_V1 } from '../../src/evidence/slsa-provenance-parser.js';
import { parseStatementBytes } from '../../src/trust/statement.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Runs per property: modest, so the whole file takes seconds. */
const RUNS = 200;

/** Calls `action`; any exception that is not a TollgateError fails the property. */
function onlyTollgateErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    // A TollgateError always says something.
    expect(error.message.length).toBeGreaterThan(0);
  }
}

async function onlyTollgateErrorsAsync(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    expect(error.message.length).toBeGreaterThan(0);
  }
}

/** Up to five text edits at arbitrary places: inserted, deleted or replaced characters. */
const textEdits = fc.array(
  fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 12 }),
    insert: fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        '"',
        ':',
        ',',
        '\\',
        '\u0000',
        '\ufeff',
        '<',
        '>',
        '&',
        '\n- ',
        ': ',
        '\t',
      ),
    ),
  }),
  { minLength: 1, maxLength: 5 },
);

function applyTextEdits(text: string, edits: { at: number; remove: number; insert: string }[]): string {
  let out = text;
  for (const edit of edits) {
    const at = edit.at % (out.length + 1);
    out = out.slice(0, at) + edit.insert + out.slice(at + edit.remove);
  }
  return out;
}

/** A path of child choices and the value to put there: one structural edit. */
const structuralEdit = fc.record({
  path: fc.array(fc.nat(), { maxLength: 7 }),
  value: fc.jsonValue({ maxDepth: 3 }),
  wrap: fc.boolean(),
});

/** Replaces the subtree the path leads to (each step picks a child by index, modulo their number). */
function applyStructuralEdit(
  document: unknown,
  edit: { path: number[]; value: unknown; wrap: boolean },
): unknown {
  const copy = structuredClone(document);
  if (edit.path.length === 0) return edit.value;
  let parent: unknown = copy;
  for (let depth = 0; depth < edit.path.length; depth++) {
    if (typeof parent !== 'object' || parent === null) break;
    const keys = Object.keys(parent);
    if (keys.length === 0) break;
    const key = keys[edit.path[depth]! % keys.length]!;
    const child = (parent as Record<string, unknown>)[key];
    const last = depth === edit.path.length - 1 || typeof child !== 'object' || child === null;
    if (last) {
      (parent as Record<string, unknown>)[key] = edit.wrap ? [edit.value] : edit.value;
      break;
    }
    parent = child;
  }
  return copy;
}

describe('fuzz: the contract loader', () => {
  const contract = read('examples/checkout/tollgate.yaml');

  it('meets any text edit of a real contract with a TollgateError or a contract', () => {
    fc.assert(
      fc.property(textEdits, (edits) =>
        onlyTollgateErrors(() => validateContract(applyTextEdits(contract, edits), 'tollgate.yaml')),
      ),
      { numRuns: RUNS },
    );
  });

  it('meets arbitrary YAML-ish text and arbitrary values as JSON-in-YAML', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
          fc
            .jsonValue({ maxDepth: 3 })
            .map((value) =>
              JSON.stringify({ version: 1, pipeline: 'p', artifact: { type: 'file' }, stages: value }),
            ),
        ),
        (text) => onlyTollgateErrors(() => validateContract(text, 'tollgate.yaml')),
      ),
      { numRuns: RUNS },
    );
  });
});

/** The JSON evidence parsers, each with a real document and what `attest` would ask for. */
const JSON_EVIDENCE: Array<{ name: string; path: string; expected: ExpectedEvidence | undefined }> = [
  { name: 'CycloneDX', path: 'test/evidence/samples/cyclonedx-1.6.cdx.json', expected: 'sbom' },
  {
    name: 'CycloneDX VEX',
    path: 'test/fixtures/sbom/cyclonedx/VEX__CISA-Use-Cases__Case-2__vex.json',
    expected: 'scan',
  },
  {
    name: 'SPDX 2.3',
    path: 'test/evidence/samples/spdx-2.3-package-manager-underscore.spdx.json',
    expected: 'sbom',
  },
  { name: 'SPDX 3.0', path: 'test/evidence/samples/spdx-3.0.1.spdx3.json', expected: 'sbom' },
  { name: 'SARIF', path: 'test/fixtures/sarif/Suppressions.sarif', expected: 'scan' },
  { name: 'Grype', path: 'test/evidence/samples/grype.json', expected: 'scan' },
  { name: 'Trivy', path: 'test/evidence/samples/trivy.json', expected: 'scan' },
  { name: 'Trivy < 0.20', path: 'test/evidence/samples/trivy-0.19-bare-array.json', expected: 'scan' },
];

describe('fuzz: JSON evidence parsers', () => {
  for (const { name, path, expected } of JSON_EVIDENCE) {
    const text = read(path);
    const document = JSON.parse(text) as unknown;

    it(`${name}: any structural edit of a real document`, () => {
      fc.assert(
        fc.property(structuralEdit, fc.boolean(), (edit, sniff) => {
          const mutated = JSON.stringify(applyStructuralEdit(document, edit));
          onlyTollgateErrors(() => normaliseDocument(mutated, 'f.json', sniff ? undefined : expected));
        }),
        { numRuns: RUNS },
      );
    });

    it(`${name}: any text edit of a real document`, () => {
      fc.assert(
        fc.property(textEdits, (edits) =>
          onlyTollgateErrors(() => normaliseDocument(applyTextEdits(text, edits), 'f.json', expected)),
        ),
        { numRuns: RUNS },
      );
    });
  }
});

describe('fuzz: in-toto statements and SLSA provenance', () => {
  const statementText = read('test/evidence/samples/slsa-v1.intoto.json');
  const statement = JSON.parse(statementText) as { predicate: unknown; predicateType: string };
  const vulns = JSON.parse(read('test/evidence/samples/vulns-v0.2.intoto.json')) as {
    predicate: unknown;
    predicateType: string;
  };

  it('in-toto: any structural or text edit of a real statement, and its predicate read', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          structuralEdit.map((e) => ({ e })),
          textEdits.map((t) => ({ t })),
        ),
        (edit) => {
          const text =
            'e' in edit
              ? JSON.stringify(applyStructuralEdit(statement, edit.e))
              : applyTextEdits(statementText, edit.t);
          onlyTollgateErrors(() => {
            const parsed = parseStatementBytes(Buffer.from(text), 's.json');
            normalisePredicate(parsed.predicateType, parsed.predicate, 's.json');
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('SLSA v1 and in-toto vulns predicates: any structural edit', () => {
    fc.assert(
      fc.property(structuralEdit, fc.boolean(), (edit, slsa) => {
        const source = slsa ? statement : vulns;
        const predicate = applyStructuralEdit(source.predicate, edit);
        onlyTollgateErrors(() =>
          normalisePredicate(slsa ? SLSA_PROVENANCE_V1 : source.predicateType, predicate, 'p.json'),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

const XML_TOKENS = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="utf-16"?>',
  '<?xml version="1.0" encoding="EBCDIC"?>',
  '<testsuites>',
  '</testsuites>',
  '<testsuite name="s">',
  '</testsuite>',
  '<testcase name="a" classname="C">',
  '<testcase name="a" classname="C"/>',
  '<testcase name="b" time="<<computed>>">',
  '<testcase name="c" time="1,234.5" status="skipped"/>',
  '</testcase>',
  '<failure message="m"/>',
  '<failure>',
  '</failure>',
  '<error/>',
  '<skipped/>',
  '<flakyFailure/>',
  '<rerunFailure/>',
  '<rerun/>',
  '<system-out>',
  '</system-out>',
  '<![CDATA[x < y]]>',
  '<!DOCTYPE x [<!ENTITY a "aaaa">]>',
  '&amp;',
  '&a;',
  '&#0;',
  '<!-- c -->',
  'text',
  '<',
  '"',
  '\ufeff',
];

describe('fuzz: the JUnit reader', () => {
  const report = read('test/fixtures/junit-runners/gotestsum-rerun-fails.xml');

  const parse = (text: string, chunk: number) => {
    const pieces: string[] = [];
    for (let at = 0; at < text.length; at += chunk) pieces.push(text.slice(at, at + chunk));
    return parseJunit({ stream: Readable.from(pieces.length > 0 ? pieces : ['']), name: 'r.xml' });
  };

  it('meets token soups, in any chunking, with a TollgateError or consistent totals', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...XML_TOKENS), { maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        async (tokens, chunk) =>
          onlyTollgateErrorsAsync(async () => {
            const totals = await parse(tokens.join(''), chunk);
            expect(totals.passed + totals.failed + totals.errored + totals.skipped).toBe(totals.tests);
            expect(totals.failures.length + totals.failuresOmitted).toBe(totals.failed + totals.errored);
          }),
      ),
      { numRuns: RUNS },
    );
  });

  it('meets any text edit of a real report', async () => {
    await fc.assert(
      fc.asyncProperty(textEdits, fc.integer({ min: 1, max: 256 }), async (edits, chunk) =>
        onlyTollgateErrorsAsync(() => parse(applyTextEdits(report, edits), chunk)),
      ),
      { numRuns: RUNS },
    );
  });

  it('meets arbitrary bytes, decoded as the reader decodes files', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) =>
        onlyTollgateErrorsAsync(() =>
          parseJunit({ stream: Readable.from([Buffer.from(bytes)]), name: 'bytes.xml' }),
        ),
      ),
      { numRuns: RUNS },
    );
  });
});
