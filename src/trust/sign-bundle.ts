import { bundleToJSON, type SerializedBundle, toDSSEBundle } from '@sigstore/bundle';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding, signPreAuthEncoding } from './dsse.js';
import { loadPrivateKey, type PrivateKeyInfo } from './keys.js';
import { parseStatementBytes } from './statement.js';

/**
 * `tollgate sign --bundle`: the same signature packaged as a Sigstore bundle v0.3 with the public
 * key's id as hint and no transparency-log entry, assembled offline with @sigstore/bundle.
 * Verifiers need the public key, as with `cosign verify-blob-attestation --key --insecure-ignore-tlog`.
 */
export async function signStatementBundle(
  statementBytes: Buffer,
  privateKeyPem: string,
  source = 'statement',
  keySource = 'private key',
): Promise<SerializedBundle> {
  parseStatementBytes(statementBytes, source);
  const key: PrivateKeyInfo = loadPrivateKey(privateKeyPem, keySource);
  const signature = signPreAuthEncoding(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statementBytes), key);
  return bundleToJSON(
    toDSSEBundle({
      artifact: statementBytes,
      artifactType: IN_TOTO_PAYLOAD_TYPE,
      signature,
      keyHint: key.keyId,
    }),
  );
}
