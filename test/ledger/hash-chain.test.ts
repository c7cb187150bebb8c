import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  chainEntry,
  GENESIS_HASH,
  type StoredEntry,
  verifyChain,
} from '../../src/ledger/hash-chain.js';

function chain(n: number): StoredEntry[] {
  const out: StoredEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e = chainEntry(
      {
        pipeline: 'p',
        seq,
        kind: 'promotion',
        stage: 'dev',
        artifact: `a${seq}`,
        actor: 'ci',
        at: 't',
        payload: { n: seq },
      },
      prev,
    );
    out.push({
      pipeline: 'p',
      actor: 'ci',
      at: 't',
      seq,
      kind: e.kind,
      stage: e.stage,
      artifact: e.artifact,
      prevHash: e.prevHash,
      hash: e.hash,
      body: e.body,
    });
    prev = e.hash;
  }
  return out;
}

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and returns its head', () => {
    const entries = chain(5);
    expect(verifyChain(entries)).toEqual({ ok: true, entries: 5, head: entries[4]!.hash });
  });

  it('names an edited body', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, body: entries[2]!.body.replace('"n":3', '"n":4') };
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringContaining('was edited'),
    });
  });

  it('names a removed entry', () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringContaining('expected entry #2'),
    });
  });

  it('names an entry re-hashed after an edit (the link to it breaks)', () => {
    const entries = chain(4);
    const forged = chainEntry(
      {
        pipeline: 'p',
        seq: 2,
        kind: 'promotion',
        stage: 'prod',
        artifact: 'a2',
        actor: 'ci',
        at: 't',
        payload: { n: 2 },
      },
      entries[0]!.hash,
    );
    entries[1] = { ...entries[1]!, stage: 'prod', body: forged.body, hash: forged.hash };
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringContaining('previous-hash'),
    });
  });

  it('names a column edited behind an intact body', () => {
    const entries = chain(3);
    entries[1] = { ...entries[1]!, artifact: 'other' };
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringContaining('column'),
    });
  });
});
