// Tollgate as a library, using only the public API (`import … from 'tollgate'`): load a contract,
// open a ledger, register an artifact, attest its tests, decide and promote; then a decision made
// in memory from facts you hand in, as a test of your own contract would. Run: node promote-with-the-library.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  attestTests,
  buildLedgerView,
  checkStage,
  contractSource,
  createServices,
  decide,
  openLedger,
  promote,
  readContract,
  registerArtifact,
  renderDecisionText,
  requestOf,
} from 'tollgate';

const here = fileURLToPath(new URL('.', import.meta.url));
const contract = readContract(join(here, 'contract.yaml'));
const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-library-'));
const services = createServices({
  contracts: contractSource([contract]),
  store: () => openLedger({ dataDir }),
});
try {
  const ci = requestOf(services, { principal: 'ci' });
  const digest = `sha256:${'ab'.repeat(32)}`;
  await registerArtifact(ci, { digest, labels: { version: '1.0.0' } });

  const before = await checkStage(ci, 'dev', digest);
  console.log(`dev before tests: ${before.verdict}`);

  await attestTests(ci, { artifact: digest, suite: 'unit', files: [join(here, 'unit.xml')] });
  const promoted = await promote(requestOf(services, { principal: 'ci' }), 'dev', digest);
  console.log(`dev after tests: ${promoted.decision.verdict}, ledger entry ${promoted.entry?.seq}`);

  const prod = await checkStage(requestOf(services, { principal: 'ci' }), 'prod', digest);
  console.log(`prod: ${prod.verdict}`);
  console.log(renderDecisionText(prod));

  // The pure core: no ledger, no clock — facts handed in, a decision out (as a unit test of your
  // own contract would do it): one failed test out of three blocks dev.
  const facts = {
    artifact: { digest, labels: {}, registeredAt: '2026-01-01T00:00:00Z', source: 'digest' },
    evidence: [
      {
        id: `sha256:${'cd'.repeat(32)}`,
        artifact: digest,
        stage: null,
        format: 'junit',
        sourceDigest: `sha256:${'ef'.repeat(32)}`,
        signer: null,
        actor: 'ci',
        recordedAt: '2026-01-01T00:01:00Z',
        data: {
          kind: 'tests',
          suite: 'unit',
          tests: 3,
          passed: 2,
          failed: 1,
          errored: 0,
          skipped: 0,
          failures: [{ name: 'cart totals the cart' }],
          failuresOmitted: 0,
        },
      },
    ],
    ledger: buildLedgerView([]),
    actor: 'ci',
    now: new Date('2026-01-01T00:02:00Z'),
    extra: {},
  };
  const inMemory = decide(contract, 'dev', facts);
  console.log(`dev with a failed test, decided in memory: ${inMemory.verdict}`);
} finally {
  await services.close();
  rmSync(dataDir, { recursive: true, force: true });
}
