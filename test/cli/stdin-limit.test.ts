import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandInputs } from '../../src/cli/input-files.js';
import { TollgateError } from '../../src/errors.js';

const MiB = 1024 * 1024;

/** A stream of `chunks` chunks of 64 KiB. */
function stream(chunks: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      this.push(sent++ < chunks ? Buffer.alloc(64 * 1024, 0x61) : null);
    },
  });
}

describe('standard input has the evidence size limit', () => {
  let spoolDir: string;
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.TMPDIR;
    spoolDir = mkdtempSync(join(tmpdir(), 'tollgate-stdin-limit-'));
    process.env.TMPDIR = spoolDir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('refuses a stream over the limit, naming it, and leaves no spool behind', async () => {
    const error = await expandInputs(['-'], stream(48), { maxStdinBytes: MiB }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('EVIDENCE_TOO_LARGE');
    expect((error as TollgateError).message).toContain(
      '- (standard input): more than 1.0 MiB (1048576 bytes) came',
    );
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('accepts a stream at the limit', async () => {
    const inputs = await expandInputs(['-'], stream(16), { maxStdinBytes: MiB });
    expect(inputs.files).toHaveLength(1);
    inputs.dispose();
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});
