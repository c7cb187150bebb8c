import { type Envelope, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse.js';
import { loadPrivateKey } from './keys.js';
import { parseStatementBytes } from './statement.js';

/**
 * `tollgate sign`: wraps an in-toto statement in a DSSE envelope signed with a PEM private key
 * (Ed25519 or ECDSA P-256). The statement is validated first and signed byte for byte as given.
 * @param source names the statement in errors
 * @example signStatement(readFileSync('stmt.json'), readFileSync('ci.key', 'utf8'))
 */
export function signStatement(
  statementBytes: Buffer,
  privateKeyPem: string,
  source = 'statement',
  keySource = 'private key',
): Envelope {
  parseStatementBytes(statementBytes, source);
  return signEnvelope(statementBytes, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey(privateKeyPem, keySource));
}
