/**
 * What `validate` checks beyond a contract's text: the config files its stages name, which the
 * drift gate reads at `check` and `promote`, and the files its `trust` section names, which
 * attesting, `signedBy` and every promotion's VSA read. Read here as they are read there, a
 * missing, unreadable or malformed file, or one outside the repository, is an error at `validate`
 * instead of a contract that validates and then cannot be decided.
 */
import { resolve } from 'node:path';
import type { Contract } from '../contract/types.js';
import { type Locator, readYamlDocument } from '../contract/yaml-document.js';
import { readStageConfig } from '../drift/read-config.js';
import { TollgateError } from '../errors.js';
import { readPrivateKeyFile, readPublicKeyFile } from '../trust/keys.js';
import { readTrustedRoot } from '../trust/trusted-root.js';
import type { Environment } from './services.js';
import { loadVsaSigner } from './vsa.js';

interface Problem {
  line: number;
  column: number;
  message: string;
}

/**
 * Reads every config file every stage names, and every key and trusted root the trust section names.
 * `env` is where TOLLGATE_VSA_KEY is read: when set, it is the signing key and `trust.verifier.key`
 * is read only as the public key it must match (and not at all beside `trust.verifier.publicKey`),
 * as at `promote`.
 * @throws TollgateError CONTRACT_INVALID listing each file that does not read, at the contract's line
 */
export async function checkContractFiles(contract: Contract, env: Environment = {}): Promise<void> {
  const problems: Problem[] = [];
  let locate: Locator | undefined;
  const at = (path: (string | number)[]) => {
    // The text is known to parse: it is the contract just validated.
    locate ??= readYamlDocument(contract.text, contract.file, { traps: false }).locate;
    return locate.value(path);
  };
  const problem = (path: (string | number)[], text: string) => {
    const { line, column } = at(path);
    problems.push({
      line,
      column,
      message: `${contract.file}:${line}:${column}: ${path.join('.')}: ${text}`,
    });
  };
  for (const [name, stage] of Object.entries(contract.stages)) {
    for (const [index, entry] of stage.config.entries()) {
      try {
        await readStageConfig([entry], { root: contract.root });
      } catch (error) {
        if (!(error instanceof TollgateError)) throw error;
        problem(
          ['stages', name, 'config', index],
          `${error.message}; the drift gate reads it: create it, or correct the path (relative to the contract)`,
        );
      }
    }
  }
  checkTrustFiles(contract, env, problem);
  const first = problems[0];
  if (first === undefined) return;
  throw new TollgateError('CONTRACT_INVALID', problems.map((p) => p.message).join('\n'), {
    position: { file: contract.file, line: first.line, column: first.column },
  });
}

/** Each file of the trust section read as its users read it; `problem` records what does not read. */
function checkTrustFiles(
  contract: Contract,
  env: Environment,
  problem: (path: (string | number)[], text: string) => void,
): void {
  const trust = contract.trust;
  if (trust === undefined) return;
  const file = (path: string) => resolve(contract.root, path);
  const read = (path: (string | number)[], why: string, reader: () => unknown): boolean => {
    try {
      reader();
      return true;
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      problem(path, `${error.message}; ${why}`);
      return false;
    }
  };
  for (const [name, path] of Object.entries(trust.keys))
    read(
      ['trust', 'keys', name],
      `evidence signed as ${name} is verified with it: expected a PEM public key (Ed25519 or ECDSA P-256), relative to the contract`,
      () => readPublicKeyFile(file(path)),
    );
  for (const [name, identity] of Object.entries(trust.identities))
    if (identity.trustedRoot !== undefined)
      read(
        ['trust', 'identities', name, 'trustedRoot'],
        `bundles signed as ${name} are verified against it: expected a Sigstore trusted_root.json, relative to the contract`,
        () => readTrustedRoot(file(identity.trustedRoot!)),
      );
  const verifier = trust.verifier;
  if (verifier === undefined) return;
  const fromEnv = Boolean(env.TOLLGATE_VSA_KEY);
  let readable = true;
  if (verifier.publicKey !== undefined)
    readable &&= read(
      ['trust', 'verifier', 'publicKey'],
      'the signing key must be its private half: expected a PEM public key (Ed25519 or ECDSA P-256), relative to the contract',
      () => readPublicKeyFile(file(verifier.publicKey!)),
    );
  // With TOLLGATE_VSA_KEY set, the key file is only the public key it must match, and is not read
  // at all when publicKey pins that instead (CI keeps the private key in a secret).
  if (verifier.key !== undefined && !(fromEnv && verifier.publicKey !== undefined))
    readable &&= read(
      ['trust', 'verifier', 'key'],
      fromEnv
        ? 'TOLLGATE_VSA_KEY must be its private half: expected a PEM key (Ed25519 or ECDSA P-256), relative to the contract'
        : 'every promotion signs its VSA with it: expected an unencrypted PEM private key (Ed25519 or ECDSA P-256), relative to the contract, or set TOLLGATE_VSA_KEY to the key file and pin its public half as trust.verifier.publicKey',
      () => (fromEnv ? readPublicKeyFile(file(verifier.key!)) : readPrivateKeyFile(file(verifier.key!))),
    );
  // The signing key (TOLLGATE_VSA_KEY or `key`) against the key the contract pins, as `promote` does.
  if (readable)
    read(['trust', 'verifier'], 'promote and publish would refuse to sign', () =>
      loadVsaSigner(contract, env),
    );
}
