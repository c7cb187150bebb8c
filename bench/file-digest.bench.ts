/**
 * `register --file` speed (issue 2, "Speed"): `digestFile` on a 1 GiB file against
 * `openssl dgst -sha256` on the same file, target ≥ 0.8× its throughput. And what `register
 * --file` now does, the sha256 and the sha512 from one read (`digestPathForRegister`), against
 * `openssl dgst -sha256` then `-sha512` (what knowing both costs with openssl). The file is written
 * to the OS temporary directory and removed afterwards. Runs are interleaved; each side's best run
 * counts, since on a shared machine noise only ever adds time.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestFile, digestPathForRegister } from '../src/artifact/file-digest.js';
import type { BenchResult } from './bench-util.js';

const SIZE = 1024 ** 3;
const ROUNDS = 3;

export async function run(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'tollgate-digest-bench-'));
  try {
    const path = join(work, 'artifact.bin');
    await writeFile(path, SIZE);

    // Correctness first, and it warms the page cache for both sides.
    const expected = openssl(path);
    const digest = await digestFile(path);
    if (digest !== `sha256:${expected}`)
      throw new Error(`digestFile gave ${digest}, openssl sha256:${expected}`);

    const ours: number[] = [];
    const theirs: number[] = [];
    const both: number[] = [];
    const opensslBoth: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      openssl(path);
      theirs.push(performance.now() - start);
      start = performance.now();
      await digestFile(path);
      ours.push(performance.now() - start);
      start = performance.now();
      openssl(path);
      openssl(path, 'sha512');
      opensslBoth.push(performance.now() - start);
      start = performance.now();
      await digestPathForRegister(path);
      both.push(performance.now() - start);
    }
    const megabytes = SIZE / 1e6;
    const oursRate = megabytes / (Math.min(...ours) / 1000);
    const opensslRate = megabytes / (Math.min(...theirs) / 1000);
    const bothRate = megabytes / (Math.min(...both) / 1000);
    const opensslBothRate = megabytes / (Math.min(...opensslBoth) / 1000);
    return [
      {
        name: 'register --file: sha256 and sha512 of a 1 GiB file from one read',
        target: '≥ 0.8 × openssl dgst -sha256 then -sha512',
        value: Math.round(bothRate),
        baseline: Math.round(opensslBothRate),
        ratio: Math.round((bothRate / opensslBothRate) * 100) / 100,
        unit: 'MB/s',
        pass: bothRate / opensslBothRate >= 0.8,
        note: `best of ${ROUNDS}, interleaved with the row below, file in the page cache; openssl timed as two whole processes`,
      },
      {
        name: 'digestFile sha256 of a 1 GiB file (register --file)',
        target: '≥ 0.8 × openssl dgst -sha256',
        value: Math.round(oursRate),
        baseline: Math.round(opensslRate),
        ratio: Math.round((oursRate / opensslRate) * 100) / 100,
        unit: 'MB/s',
        pass: oursRate / opensslRate >= 0.8,
        note: `best of ${ROUNDS}, interleaved, file in the page cache; openssl timed as a whole process`,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function openssl(path: string, algorithm = 'sha256'): string {
  const output = execFileSync('openssl', ['dgst', `-${algorithm}`, '-r', path], { encoding: 'utf8' });
  return output.split(' ')[0] ?? '';
}

/** Writes `size` bytes of incompressible data: one random 16 MiB block repeated. */
async function writeFile(path: string, size: number): Promise<void> {
  const block = randomBytes(16 * 1024 * 1024);
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += block.length) {
    const part = size - written < block.length ? block.subarray(0, size - written) : block;
    if (!out.write(part)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
