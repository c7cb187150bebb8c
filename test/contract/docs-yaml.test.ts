/**
 * Every YAML block of the docs that is a contract, or an excerpt of one, loads: a reader who copies
 * it gets a contract Tollgate accepts, not a refusal the page never mentions. A complete contract
 * (version, pipeline, artifact, stages) is validated as written; an excerpt of its top level, of a
 * stage's `requires`, or of gates, is validated inside a small contract around it (stages dev →
 * staging → prod, groups release-managers and oncall, signers ci and release), its own keys
 * winning. Blocks of other YAML (CI workflows, Kubernetes policies) are left alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { contractJsonSchema } from '../../src/contract/json-schema.js';
import { validateContract } from '../../src/contract/load-contract.js';
import { requiresShape } from '../../src/contract/schema.js';
import { ROOT } from '../support/cli.js';

const TOP_KEYS = new Set(Object.keys(contractJsonSchema().properties as Record<string, unknown>));
const GATES = new Set(Object.keys(requiresShape));

interface Block {
  where: string;
  text: string;
}

function yamlBlocks(): Block[] {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  const blocks: Block[] = [];
  for (const file of files) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] !== '```yaml') continue;
      const end = lines.indexOf('```', i + 1);
      blocks.push({ where: `${file}:${i + 2}`, text: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return blocks;
}

type Kind = 'contract' | 'top' | 'requires' | 'gates' | 'other';

function kindOf(data: unknown): Kind {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'other';
  const keys = Object.keys(data).filter((key) => !key.startsWith('x-'));
  if (keys.length === 0) return 'other';
  if (['version', 'pipeline', 'artifact', 'stages'].every((key) => keys.includes(key))) return 'contract';
  if (keys.every((key) => TOP_KEYS.has(key))) return 'top';
  if (keys.length === 1 && keys[0] === 'requires') return 'requires';
  if (keys.every((key) => GATES.has(key))) return 'gates';
  return 'other';
}

type Tree = Record<string, unknown>;
const isTree = (value: unknown): value is Tree =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function merged(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over))
    out[key] = isTree(value) && isTree(out[key]) ? merged(out[key] as Tree, value) : value;
  return out;
}

const AROUND: Tree = {
  version: 1,
  pipeline: 'shop',
  artifact: { type: 'oci' },
  groups: { 'release-managers': ['alice', 'bob'], oncall: ['frank'] },
  // The signers the docs name in `signedBy` (docs/trust.md defines them); keys are not read here.
  trust: {
    keys: { ci: 'keys/ci.pub' },
    identities: {
      release: {
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/*',
      },
    },
  },
  stages: {
    dev: { purpose: 'fast feedback' },
    staging: { purpose: 'release candidate', from: 'dev' },
    prod: { purpose: 'live', from: 'staging' },
  },
};

/** The contract text a block stands for, or undefined for YAML that is no contract. */
function contractOf(block: Block): string | undefined {
  const doc = parseDocument(block.text, { merge: true, uniqueKeys: true });
  // A block that does not parse at all is a finding too: validate it as written.
  if (doc.errors.length > 0) return block.text;
  const data = doc.toJS() as unknown;
  switch (kindOf(data)) {
    case 'contract':
      return block.text;
    case 'top':
      return stringify(merged(AROUND, data as Tree));
    case 'requires':
      return stringify(merged(AROUND, { stages: { prod: data as Tree } }));
    case 'gates':
      return stringify(merged(AROUND, { stages: { prod: { requires: data as Tree } } }));
    default:
      return undefined;
  }
}

const blocks = yamlBlocks().flatMap((block) => {
  const text = contractOf(block);
  return text === undefined ? [] : [{ ...block, contract: text }];
});

describe('YAML in the docs', () => {
  it('finds the contract blocks of the docs, excerpts included', () => {
    // Drift, policy and contract pages each show several: a change to the extraction that finds
    // none would otherwise pass every time.
    for (const page of ['docs/drift.md', 'docs/policy.md', 'docs/contract.md', 'docs/trust.md'])
      expect(blocks.filter((block) => block.where.startsWith(`${page}:`)).length, page).toBeGreaterThan(0);
    expect(blocks.length).toBeGreaterThan(15);
  });

  it.each(blocks.map((block) => [block.where, block.contract] as const))(
    'loads the block at %s',
    (where, contract) => {
      expect(() => validateContract(contract, where, join(ROOT, 'docs'))).not.toThrow();
    },
  );
});
