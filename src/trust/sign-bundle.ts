import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { IN_TOTO_PAYLOAD_TYPE, signPreAuthEncoding } from './dsse.js';
import { loadPrivateKey, type PrivateKeyInfo } from './keys.js';
import { parseStatementBytes } from './statement.js';

/**
 * `tollgate sign --bundle`: the same signature packaged as a Sigstore bundle v0.3 with the public
 * key's id as hint and no transparency-log entry (built offline by @sigstore/sign). Verifiers
 * need the public key, as with `cosign verify-blob-attestation --key --insecure-ignore-tlog`.
 */
export async function signStatementBundle(
  statementBytes: Buffer,
  privateKeyPem: string,
  source = 'statement',
  keySource = 'private key',
): Promise<SerializedBundle> {
  parseStatementBytes(statementBytes, source);
  const key: PrivateKeyInfo = loadPrivateKey(privateKeyPem, keySource);
  const builder = new DSSEBundleBuilder({
    witnesses: [],
    signer: {
      async sign(data: Buffer) {
        // `data` is already the DSSE pre-authentication encoding.
        return {
          signature: signPreAuthEncoding(data, key),
          key: {
            $case: 'publicKey',
            publicKey: key.key.export({ type: 'spki', format: 'pem' }).toString(),
            hint: key.keyId,
          },
        };
      },
    },
  });
  const bundle = await builder.create({ data: statementBytes, type: IN_TOTO_PAYLOAD_TYPE });
  return bundleToJSON(bundle);
}
