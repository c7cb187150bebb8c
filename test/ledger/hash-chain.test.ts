import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredEntry } from '../../src/ledger/entry.js';
import {
  canonicalJson,
  chainEntry,
  GENESIS_HASH,
  joinSlices,
  toStoredRow,
  verifyChain,
  verifyRows,
  withSeam,
} from '../../src/ledger/hash-chain.js';

function chain(
  n: number,
  at: (seq: number) => string = () => 't',
  setClock = new Set<number>(),
): StoredEntry[] {
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
        at: at(seq),
        payload: setClock.has(seq) ? { n: seq, clockSet: true } : { n: seq },
      },
      prev,
    );
    out.push({
      pipeline: 'p',
      actor: 'ci',
      at: at(seq),
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

/** Verifies `entries` as two slices split after entry `middle`, as `ledger verify` does on a long chain. */
function verifySplit(entries: StoredEntry[], middle: number) {
  const near = verifyRows(entries.filter((e) => e.seq <= middle).map(toStoredRow), 'p');
  const far = verifyRows(entries.filter((e) => e.seq > middle).map(toStoredRow), 'p', { seq: middle + 1 });
  return joinSlices(near, middle, far);
}

describe('verifying a chain in two slices', () => {
  const tampers: Record<string, (entries: StoredEntry[], seq: number) => StoredEntry[]> = {
    'an edited body': (entries, seq) =>
      entries.map((e) => (e.seq === seq ? { ...e, body: e.body.replace('"n":', '"m":') } : e)),
    'an edited column': (entries, seq) => entries.map((e) => (e.seq === seq ? { ...e, stage: 'prod' } : e)),
    'a removed entry': (entries, seq) => entries.filter((e) => e.seq !== seq),
    'a re-hashed entry that breaks the next link': (entries, seq) =>
      entries.map((e) => {
        if (e.seq !== seq) return e;
        const body = e.body.replace('"n":', '"m":');
        return { ...e, body, hash: `sha256:${createHash('sha256').update(body).digest('hex')}` };
      }),
  };

  it('gives the same verdict as one pass for an intact chain', () => {
    const entries = chain(10);
    for (const middle of [1, 5, 9]) expect(verifySplit(entries, middle)).toEqual(verifyChain(entries));
  });

  for (const [name, tamper] of Object.entries(tampers)) {
    it(`names the same first broken entry as one pass for ${name}, on either side of the seam`, () => {
      // Not the last entry: removing or re-hashing the head is a shorter chain, which no pass can tell.
      for (const seq of [1, 2, 5, 6, 7, 9]) {
        const entries = tamper(chain(10), seq);
        const single = verifyChain(entries);
        expect(single.ok).toBe(false);
        expect(verifySplit(entries, 5)).toMatchObject({ ok: false, seq: (single as { seq: number }).seq });
      }
    });
  }

  it('reports the first break when both slices are broken', () => {
    const entries = tampers['an edited body']!(tampers['an edited column']!(chain(10), 8), 3);
    expect(verifySplit(entries, 5)).toMatchObject({ ok: false, seq: 3 });
  });
});

describe('time order of stored entries', () => {
  // Entry 4 was written by a clock set back a day; entry 7 goes back 4 minutes (skew, allowed).
  const times: Record<number, string> = { 4: '2026-11-25T10:00:00.000Z', 7: '2026-11-26T10:02:00.000Z' };
  const at = (seq: number) => times[seq] ?? `2026-11-26T10:0${seq}:00.000Z`;

  it('reports an entry dated more than 5 minutes before the one it follows, and the chain stays intact', () => {
    const verdict = verifyChain(chain(9, at));
    expect(verdict).toMatchObject({ ok: true, entries: 9 });
    expect(verdict.ok && verdict.timeBackwards).toEqual({
      count: 1,
      first: [{ seq: 4, at: times[4], previousSeq: 3, previousAt: '2026-11-26T10:03:00.000Z' }],
    });
  });

  it('exempts entries at a set clock, as appends do', () => {
    const verdict = verifyChain(chain(9, at, new Set([4])));
    expect(verdict.ok && verdict.timeBackwards).toBeUndefined();
  });

  it('finds the same in slices verified apart, at the seam too', () => {
    const entries = chain(9, at);
    const whole = verifyChain(entries);
    for (let middle = 1; middle < 9; middle++) {
      const near = verifyRows(entries.filter((e) => e.seq <= middle).map(toStoredRow), 'p');
      const far = verifyRows(entries.filter((e) => e.seq > middle).map(toStoredRow), 'p', {
        seq: middle + 1,
      });
      const seam = entries.filter((e) => e.seq === middle || e.seq === middle + 1).map(toStoredRow);
      expect(withSeam(joinSlices(near, middle, far), seam), `split after #${middle}`).toEqual(whole);
    }
  });
});
