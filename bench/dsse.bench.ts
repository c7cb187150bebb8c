/**
 * DSSE verification speed (issue 3, "Speed"): ECDSA P-256 envelopes verified in-process, from the
 * envelope JSON text to a parsed in-toto statement (JSON parse, strict base64, PAE, signature,
 * statement validation), against a bare `crypto.verify` of the same signatures in the same run.
 * Target ≥ 5,000 envelopes/s. Rounds alternate and the median of each side is reported.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import {
  IN_TOTO_PAYLOAD_TYPE,
  parseEnvelopeText,
  preAuthEncoding,
  verifyEnvelope,
} from '../src/trust/dsse.js';
import { loadPublicKey, type NamedKey } from '../src/trust/keys.js';
import { signStatement } from '../src/trust/sign.js';
import { parseStatementBytes } from '../src/trust/statement.js';
import { type BenchResult, median } from './bench-util.js';

const TARGET = 5_000;
const ENVELOPES = 2_000;
const ROUNDS = 5;

export async function run(): Promise<BenchResult[]> {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key: NamedKey = { name: 'ci', ...loadPublicKey(publicPem, 'ci.pub') };

  // Distinct statements of a realistic size (~1 KB), so no result can be cached.
  const texts: string[] = [];
  const bare: { pae: Buffer; sig: Buffer }[] = [];
  for (let i = 0; i < ENVELOPES; i++) {
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `app-${i}.tar`, digest: { sha256: i.toString(16).padStart(64, '0') } }],
      predicateType: 'https://in-toto.io/attestation/test-result/v0.1',
      predicate: {
        result: 'PASSED',
        configuration: [{ name: 'ci', uri: `https://ci.example.com/runs/${i}` }],
        passedTests: Array.from({ length: 20 }, (_, n) => `suite.test_case_number_${n}`),
      },
    };
    const bytes = Buffer.from(JSON.stringify(statement));
    const envelope = signStatement(bytes, privatePem);
    texts.push(JSON.stringify(envelope));
    bare.push({
      pae: preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, bytes),
      sig: Buffer.from(envelope.signatures[0]!.sig, 'base64'),
    });
  }

  const full: number[] = [];
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let start = process.hrtime.bigint();
    for (const text of texts) {
      const envelope = parseEnvelopeText(text, 'bench');
      if (!verifyEnvelope(envelope, [key]).valid)
        throw new Error('DSSE bench: a valid envelope did not verify');
      parseStatementBytes(envelope.payload, 'bench');
    }
    full.push(ENVELOPES / (Number(process.hrtime.bigint() - start) / 1e9));

    start = process.hrtime.bigint();
    for (const item of bare) {
      if (!verify('sha256', item.pae, key.key, item.sig)) throw new Error('DSSE bench: bare verify failed');
    }
    baseline.push(ENVELOPES / (Number(process.hrtime.bigint() - start) / 1e9));
  }

  const value = Math.round(median(full));
  const base = Math.round(median(baseline));
  return [
    {
      name: 'DSSE verification, ECDSA P-256 (envelope JSON → verified statement)',
      target: `≥ ${TARGET.toLocaleString('en-US')} envelopes/s`,
      value,
      baseline: base,
      ratio: value / TARGET,
      unit: 'envelopes/s',
      pass: value >= TARGET,
      note: `ratio to target; bare crypto.verify on the same signatures: ${base} /s (full path = ${(value / base).toFixed(2)}× bare)`,
    },
  ];
}
