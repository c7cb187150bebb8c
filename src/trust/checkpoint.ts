/**
 * Ledger checkpoints in the C2SP formats (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note):
 *
 *   <origin>\n<tree size, decimal>\n<root hash, base64>\n      ← the note's text
 *   \n
 *   — <key name> <base64(key id (4 bytes) || signature)>\n      ← one line per signature
 *
 * Signatures are Ed25519 over the note's text; the key id is the first 4 bytes of
 * SHA-256(key name || 0x0A || 0x01 || the 32-byte public key), as signed-note defines for Ed25519.
 * Anyone holding a checkpoint can later ask the ledger for a consistency proof (`ledger verify
 * --since`) and for an entry's inclusion proof (`ledger prove`).
 */
import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { TollgateError } from '../errors.js';
import type { PrivateKeyInfo, PublicKeyInfo } from './keys.js';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The note's text, exactly as signed. */
  text: string;
  signatures: NoteSignature[];
}

const ED25519 = 0x01;
const EMPTY_ROOT = createHash('sha256').digest();
const DASH = '\u2014';

/** The note's text: origin, size and root hash, each on its own line. */
export function checkpointText(checkpoint: Checkpoint): string {
  if (/[\n\s]/.test(checkpoint.origin) || checkpoint.origin === '')
    throw new TollgateError(
      'USAGE',
      `a checkpoint origin is one non-empty word; got ${JSON.stringify(checkpoint.origin)}`,
    );
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.root.toString('base64')}\n`;
}

function rawEd25519(key: KeyObject, source: string): Buffer {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: checkpoints are signed with Ed25519 (C2SP signed-note); this is a key of type ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  const der = key.export({ type: 'spki', format: 'der' });
  return Buffer.from(der.subarray(der.length - 32));
}

/** signed-note's key id for an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[0:4]. */
export function noteKeyId(name: string, key: KeyObject, source = 'key'): Buffer {
  const digest = createHash('sha256')
    .update(Buffer.from(name, 'utf8'))
    .update(Buffer.from([0x0a, ED25519]))
    .update(rawEd25519(key, source))
    .digest();
  return digest.subarray(0, 4);
}

/** Signs a checkpoint as `name` (by default its origin) with an Ed25519 private key. */
export function signCheckpoint(
  checkpoint: Checkpoint,
  key: PrivateKeyInfo,
  source: string,
  name = checkpoint.origin,
): string {
  const text = checkpointText(checkpoint);
  const keyId = noteKeyId(name, key.key, source);
  const signature = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  return `${text}\n${DASH} ${name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

function malformed(source: string, line: number, what: string): TollgateError {
  return new TollgateError('CHECKPOINT_INVALID', `${source}:${line}: not a checkpoint: ${what}`);
}

/** Parses a signed checkpoint; the signatures are not checked here (see `verifyCheckpointSignature`). */
export function parseCheckpoint(note: string, source: string): SignedCheckpoint {
  const split = note.indexOf('\n\n');
  if (split < 0) throw malformed(source, 1, 'expected the note text, a blank line, then signature lines');
  const text = note.slice(0, split + 1);
  const lines = text.split('\n');
  const [origin, sizeText, rootText] = lines;
  if (!origin) throw malformed(source, 1, 'expected the origin line');
  if (sizeText === undefined || !/^(0|[1-9][0-9]*)$/.test(sizeText))
    throw malformed(source, 2, `expected the tree size in decimal, found ${JSON.stringify(sizeText ?? '')}`);
  const root = Buffer.from(rootText ?? '', 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText)
    throw malformed(
      source,
      3,
      `expected a base64 SHA-256 root hash, found ${JSON.stringify(rootText ?? '')}`,
    );
  // RFC 6962/9162: the empty tree's root is SHA-256 of nothing. A size-0 checkpoint with another
  // root says something false, and every ledger would "extend" it.
  if (sizeText === '0' && !root.equals(EMPTY_ROOT))
    throw malformed(
      source,
      3,
      `a tree of 0 entries has the root ${EMPTY_ROOT.toString('base64')} (SHA-256 of nothing), found ${JSON.stringify(rootText)}`,
    );
  const signatures: NoteSignature[] = [];
  const rest = note.slice(split + 2).split('\n');
  rest.forEach((line, i) => {
    if (line === '' && i === rest.length - 1) return;
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    const bytes = match ? Buffer.from(match[2]!, 'base64') : Buffer.alloc(0);
    if (!match || bytes.length < 5)
      throw malformed(
        source,
        lines.length + 1 + i,
        `expected "${DASH} NAME BASE64-SIGNATURE", found ${JSON.stringify(line)}`,
      );
    signatures.push({ name: match[1]!, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) });
  });
  if (signatures.length === 0) throw malformed(source, lines.length + 1, 'no signature lines');
  return { origin, size: Number(sizeText), root, text, signatures };
}

/**
 * Whether one of the checkpoint's signatures is `name`'s (by default the origin) by `key`: the
 * line's name, the key id it carries and the Ed25519 signature over the text must all match.
 */
export function verifyCheckpointSignature(
  checkpoint: SignedCheckpoint,
  key: PublicKeyInfo,
  source: string,
  name = checkpoint.origin,
): boolean {
  const keyId = noteKeyId(name, key.key, source);
  return checkpoint.signatures.some(
    (s) =>
      s.name === name &&
      s.keyId.equals(keyId) &&
      verify(null, Buffer.from(checkpoint.text, 'utf8'), key.key, s.signature),
  );
}
