/**
 * The API's schemas, one definition each: they validate requests (path, query and JSON bodies)
 * and generate the OpenAPI 3.1 document (`/openapi.json`). Response bodies are the documents the
 * CLI prints with `--json` for the same verb (src/app/documents.ts); their schemas here describe
 * them for readers of the API and are not used to rewrite them.
 */
import { z } from '@hono/zod-openapi';
import { ROLES } from '../app/authorise.js';
import { NAME_PATTERN, NAME_RULE } from '../contract/schema.js';
import type { WireEntry } from '../ledger/entry.js';

// These schemas validate every request's path, query and body, so they are built with zod's JIT
// (a parser generated per object schema, used by synchronous parses): the contract's schemas are
// built without it (src/contract/zod-setup.ts: parsed once a process, where generating costs more
// than it saves). The setting is read when a schema is built; the previous one is put back at the
// end of this module.
const jitlessBefore = z.config().jitless;
z.config({ jitless: false });

/** The fields of a zod object that describes `T`: each of T's keys and no other, each a schema of its type. */
type ShapeOf<T> = { [K in keyof T]-?: z.ZodType<T[K]> };

/** The digests the app accepts (src/artifact/digest.ts), exactly: no sha384, no sha256 of 128 digits. */
const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

export const pipelineParam = z
  .string()
  .regex(NAME_PATTERN, `a pipeline name: ${NAME_RULE} (no "/" or "..")`)
  .openapi({ param: { name: 'pipeline', in: 'path' }, example: 'checkout' });

export const stageParam = z
  .string()
  .regex(NAME_PATTERN, `a stage name: ${NAME_RULE}`)
  .openapi({ param: { name: 'stage', in: 'path' }, example: 'prod' });

export const digestParam = z
  .string()
  .regex(DIGEST, 'an artifact digest: sha256: and 64 lower-case hex digits, or sha512: and 128')
  .openapi({ param: { name: 'digest', in: 'path' }, example: `sha256:${'ab'.repeat(32)}` });

const digestValue = z
  .string()
  .regex(DIGEST, 'an artifact digest: sha256: and 64 lower-case hex digits, or sha512: and 128')
  .openapi({ example: `sha256:${'ab'.repeat(32)}` });

export const pipelinePath = z.object({ pipeline: pipelineParam });
export const stagePath = z.object({ pipeline: pipelineParam, stage: stageParam });
export const artifactPath = z.object({ pipeline: pipelineParam, digest: digestParam });

export const artifactQuery = z.object({
  artifact: digestValue.openapi({ param: { name: 'artifact', in: 'query' } }),
});

export const checkQuery = artifactQuery.extend({
  promoter: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({
      param: { name: 'promoter', in: 'query' },
      description:
        "Evaluate as if this principal promotes (default: the caller). A check records nothing; the name only decides who the approvals gate's `notBy: promoter` excludes, as `tollgate check --as` does locally.",
    }),
});

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'ARTIFACT_NOT_FOUND' }),
      message: z.string(),
      line: z
        .number()
        .int()
        .optional()
        .describe('For an invalid uploaded file (a contract): the line of the problem.'),
      column: z.number().int().optional().describe('…and its column.'),
    }),
  })
  .openapi('Error');

// ── Request bodies ────────────────────────────────────────────────────────────────────────────

const labels = z.record(z.string(), z.string()).openapi({ example: { version: '1.4.2', commit: '9f3c2ab' } });

export const registerBody = z
  .object({
    digest: digestValue,
    sha512: z
      .string()
      .regex(/^[0-9a-f]{128}$/, 'the sha512 of the same bytes: 128 lower-case hex digits, no "sha512:"')
      .optional()
      .describe(
        'With a sha256 `digest`: the sha512 of the same bytes, hashed in the same read (`tollgate register --file` sends it), recorded beside it as a local `register --file` records it, so the sha512 names the artifact too. The server never reads the bytes: a sha512 that would tie a digest to an artifact already registered is refused (409 ARTIFACT_DIGEST_CONFLICT).',
      ),
    labels: labels.optional(),
  })
  .strict()
  .openapi('RegisterRequest');

export const promoteBody = z
  .object({
    artifact: digestValue,
    overrides: z
      .array(z.string())
      .max(32)
      .optional()
      .describe('Gates to waive (admins named under `overrides`).'),
    reason: z.string().max(2000).optional().describe('Why the overrides are needed (required with them).'),
    again: z
      .boolean()
      .optional()
      .describe(
        "Record a new promotion even when the digest already is the stage's current, healthy one; otherwise such a retry records nothing and answers 200 with the existing entry (Tollgate-Promotion: existing).",
      ),
  })
  .strict()
  .openapi('PromoteRequest');

export const approvalBody = z
  .object({
    artifact: digestValue,
    decision: z.enum(['approve', 'reject']),
    comment: z.string().max(2000).optional(),
    withdraw: z.boolean().optional(),
    lookalikesSeen: z
      .array(digestValue)
      .max(100)
      .optional()
      .describe(
        "The full digests of the artifact's look-alikes the approver compared it with. Approving a digest that has look-alikes is refused (409 LOOKALIKE_UNCONFIRMED) unless every look-alike registered now is listed.",
      ),
  })
  .strict()
  .openapi('ApprovalRequest');

export const verificationBody = z
  .object({
    stage: z.string().regex(NAME_PATTERN),
    result: z.enum(['passed', 'failed']),
    details: z
      .string()
      .optional()
      .describe('At most 64 KiB of text: a summary, with a link to the full report.'),
  })
  .strict()
  .openapi('VerificationRequest');

export const rollbackBody = z
  .object({ reason: z.string().max(2000).optional() })
  .strict()
  .openapi('RollbackRequest');

export const testsQuery = z.object({
  suite: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'suite', in: 'query' }, example: 'unit' }),
  in: z
    .string()
    .regex(NAME_PATTERN)
    .optional()
    .openapi({ param: { name: 'in', in: 'query' }, description: 'The stage the tests ran in.' }),
});

export const evidenceQuery = z.object({
  kind: z
    .enum(['sbom', 'scan', 'provenance'])
    .optional()
    .openapi({
      param: { name: 'kind', in: 'query' },
      description:
        'What the upload must be (attest sbom|scan|provenance); absent: detected (attest evidence).',
    }),
  in: z
    .string()
    .regex(NAME_PATTERN)
    .optional()
    .openapi({ param: { name: 'in', in: 'query' } }),
});

export const statementQuery = z.object({
  in: z
    .string()
    .regex(NAME_PATTERN)
    .optional()
    .openapi({ param: { name: 'in', in: 'query' } }),
  suite: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({
      param: { name: 'suite', in: 'query' },
      description: 'Suite name for test-result statements.',
    }),
});

export const windowsQuery = z.object({
  days: z
    .string()
    .regex(/^\d{1,3}$/, 'a whole number of days')
    .optional()
    .openapi({ param: { name: 'days', in: 'query' }, example: '14' }),
});

export const driftQuery = z.object({
  from: z
    .string()
    .regex(NAME_PATTERN)
    .openapi({ param: { name: 'from', in: 'query' }, example: 'staging' }),
  to: z
    .string()
    .regex(NAME_PATTERN)
    .openapi({ param: { name: 'to', in: 'query' }, example: 'prod' }),
});

export const rollbackCheckQuery = z.object({
  artifact: digestValue.optional().openapi({ param: { name: 'artifact', in: 'query' } }),
});

export const eventsQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional()
    .openapi({
      param: { name: 'after', in: 'query' },
      description: 'Start after this entry (as Last-Event-ID does); absent: only entries from now on.',
    }),
});

// The ledger's own wire entry (src/ledger/entry.ts): a field added, dropped or retyped there and not
// here does not compile.
export const entryEventSchema = z
  .object({
    pipeline: z.string(),
    seq: z.number(),
    kind: z.string(),
    stage: z.string().nullable(),
    artifact: z.string().nullable(),
    actor: z.string(),
    at: z.string(),
    payload: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  } satisfies ShapeOf<WireEntry>)
  .openapi('LedgerEntryEvent', {
    description: 'The data of one event: a ledger entry as the chain holds it.',
  });

export const tokenBody = z
  .object({
    role: z.enum(ROLES),
    pipelines: z
      .array(z.string())
      .min(1)
      .max(100)
      .openapi({ example: ['checkout'] }),
    stages: z.array(z.string()).max(100).optional(),
    principal: z
      .string()
      .max(200)
      .optional()
      .describe('The name the ledger records (default <role>-<pipeline>).'),
    expiresIn: z.string().max(20).optional().openapi({ example: '30d' }),
  })
  .strict()
  .openapi('TokenRequest');

export const tokenPath = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9]{16}$/)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

// ── Response documents (what `tollgate VERB --json` prints) ─────────────────────────────────────

const item = z.object({ gate: z.string(), text: z.string(), evidence: z.array(z.string()).optional() });
const lookalikes = z
  .array(
    z
      .object({ digest: z.string(), registeredBy: z.string(), registeredAt: z.string() })
      .openapi('Lookalike', {
        description:
          'Another artifact of the pipeline registered with the same short digest (first 12 hex digits): a warning sign.',
      }),
  )
  .optional()
  .describe('Other registered artifacts with the same short digest: compare full digests.');
const artifactRef = z.object({
  digest: z.string(),
  labels: z.record(z.string(), z.string()),
  lookalikes,
});

export const decisionSchema = z
  .object({
    verdict: z.enum(['allowed', 'blocked', 'pending']),
    pipeline: z.string(),
    stage: z.string(),
    purpose: z.string(),
    artifact: artifactRef,
    contract: z.object({ file: z.string(), digest: z.string() }),
    actor: z.string(),
    evaluatedAt: z.string(),
    gates: z.array(
      z.object({
        gate: z.string(),
        status: z.enum(['pass', 'fail', 'pending', 'waived', 'not-applicable']),
        summary: z.string(),
        validated: z.array(item),
        risks: z.array(item),
        required: z.array(item),
        until: z.string().optional(),
      }),
    ),
    validated: z.array(item),
    risks: z.array(item),
    required: z.array(item),
    until: z.string().optional(),
    demo: z.literal(true).optional(),
    clockSet: z.literal(true).optional(),
  })
  .openapi('Decision', { description: 'What `tollgate check --json` prints.' });

export const promotionSchema = decisionSchema
  .extend({
    ledgerEntry: z
      .object({ seq: z.number().int(), hash: z.string() })
      .optional()
      .describe('The promotion ledger entry, when recorded (or already in place)'),
    checkpoint: z
      .object({
        seq: z.number().int(),
        hash: z.string(),
        size: z.number().int(),
        rootHash: z.string(),
        note: z.string().optional(),
      })
      .optional()
      .describe(
        'The checkpoint sealing the promotion (when a verifier key is configured): its entry, the tree size and root hash, the signed C2SP note',
      ),
    promotion: z
      .object({ recorded: z.literal(false), seq: z.number().int(), message: z.string() })
      .passthrough()
      .optional()
      .describe('A retry that recorded nothing: the promotion already in place'),
  })
  .openapi('Promotion', { description: 'What `tollgate promote --json` prints.' });

export const artifactSchema = z
  .object({
    digest: z.string(),
    labels: z.record(z.string(), z.string()),
    registeredAt: z.string(),
    source: z.string(),
    created: z.boolean(),
  })
  .openapi('RegisteredArtifact', { description: 'What `tollgate register --json` prints.' });

export const testsSchema = z
  .object({
    suite: z.string(),
    tests: z.number(),
    passed: z.number(),
    failed: z.number(),
    errored: z.number(),
    skipped: z.number(),
    flaky: z.number(),
    files: z.number(),
    evidence: z.string(),
    stored: z.boolean(),
    failures: z.array(z.string()),
    reruns: z
      .object({
        repeats: z.number(),
        tests: z.number(),
        passed: z.number(),
        failed: z.number(),
        errored: z.number(),
        skipped: z.number(),
        flaky: z.number(),
      })
      .optional()
      .describe(
        'Present when some test case repeats an earlier one, in its report or in another report of the same attestation (`repeats` counts only the former): the counts with repeats merged as reruns, read by the tests gate for a suite declared `reruns: true`.',
      ),
    notice: z
      .string()
      .optional()
      .describe(
        'Present when results were attested in a stage the digest has not entered (no `in:` requirement will count them), under a suite name no stage of the contract reads (a likely typo, with the nearest suite named), or of a suite read only `in:` another stage: the results are kept either way.',
      ),
  })
  .openapi('TestsRecorded', { description: 'What `tollgate attest tests --json` prints.' });

const evidenceRow = z.object({
  evidence: z.string(),
  stored: z.boolean(),
  kind: z.string(),
  format: z.string(),
  wrapper: z.string().nullable(),
  signer: z.unknown(),
  stage: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});

export const evidenceSchema = z.union([evidenceRow, z.array(evidenceRow)]).openapi('EvidenceRecorded', {
  description:
    'What `tollgate attest sbom|scan|provenance --json` (one object; a list when the file was an attestation list holding several of the kind) or `attest evidence --json` (a list) prints.',
});

export const statementsSchema = z
  .array(
    z.object({
      file: z.string(),
      wrapper: z.string(),
      predicateType: z.string(),
      kind: z.string(),
      format: z.string(),
      signer: z.unknown(),
      evidence: z.string(),
      stored: z.boolean(),
      unchecked: z.array(z.string()).openapi({
        description:
          "Algorithms the statement's subject lists beside the artifact's digest that Tollgate holds no value for, so did not check (sha512 for an artifact registered by --digest).",
      }),
    }),
  )
  .openapi('StatementsRecorded', { description: 'What `tollgate attest statement --json` prints.' });

export const cdEventSchema = z
  .object({
    evidence: z.string(),
    stored: z.boolean(),
    type: z.string(),
    stage: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('CdEventRecorded', { description: 'What `tollgate attest cdevent --json` prints.' });

export const verificationSchema = z
  .object({ seq: z.number(), evidence: z.string(), promotion: z.number(), result: z.string() })
  .openapi('VerificationRecorded', { description: 'What `tollgate attest verification --json` prints.' });

export const approvalSchema = z
  .object({
    recorded: z.boolean(),
    seq: z.number().optional(),
    hash: z.string().optional(),
    actor: z.string(),
    stage: z.string(),
    decision: z.enum(['approve', 'reject', 'withdraw']),
    artifact: z.string().describe('The full digest the word is about'),
    lookalikes,
    message: z.string(),
    notCounted: z.string().optional(),
  })
  .openapi('ApprovalRecorded', { description: 'What `tollgate approve|reject --json` prints.' });

const promotionRecord = z.object({
  seq: z.number(),
  stage: z.string(),
  artifact: z.string(),
  actor: z.string(),
  at: z.string(),
  status: z.enum(['promoted', 'verified', 'failed', 'rolled-back']),
  statusReason: z.string().optional(),
  contractDigest: z.string(),
});

const promotionOverride = z
  .object({ gate: z.string(), actor: z.string(), reason: z.string() })
  .openapi('PromotionOverride', { description: 'A gate overridden at a promotion: which, by whom, why.' });

/** A stage's row as `status` has it (src/app/status.ts StageStatus): also each overview stage's. */
const stageStatusRow = z.object({
  stage: z.string(),
  purpose: z.string(),
  current: z
    .object({
      artifact: z.object({
        digest: z.string(),
        labels: z.record(z.string(), z.string()),
        registeredAt: z.string(),
        source: z.string(),
      }),
      since: z.string(),
      seq: z.number(),
      status: z.string(),
      rolledBack: z
        .literal(true)
        .optional()
        .describe("A rollback made it current: the stage went back to it (seq and since are the rollback's)"),
      contractDigest: z.string().optional().describe('The contract its promotion was decided under'),
      clockSet: z.literal(true).optional(),
      overrides: z.array(promotionOverride).optional(),
      lookalikes,
    })
    .optional(),
});

export const statusSchema = z
  .array(stageStatusRow)
  .openapi('Status', { description: 'What `tollgate status --json` prints.' });

export const historySchema = z
  .array(
    promotionRecord.extend({
      labels: z.record(z.string(), z.string()),
      overrides: z.array(promotionOverride).optional(),
      lookalikes,
    }),
  )
  .openapi('History', { description: 'What `tollgate history STAGE --json` prints.' });

export const passportSchema = z
  .object({
    artifact: z.record(z.string(), z.unknown()),
    evidence: z.array(z.record(z.string(), z.unknown())),
    stages: z.array(z.record(z.string(), z.unknown())),
  })
  .openapi('Passport', { description: 'What `tollgate explain DIGEST --json` prints.' });

export const windowsSchema = z
  .object({
    stage: z.string(),
    now: z.string(),
    configured: z.boolean(),
    open: z.boolean(),
    opensAt: z.string().optional(),
    closesAt: z.string().optional(),
    periods: z.array(
      z.object({
        open: z.boolean(),
        from: z.string(),
        until: z.string().optional(),
        reasons: z.array(z.string()),
      }),
    ),
  })
  .openapi('Windows', { description: 'What `tollgate windows STAGE --json` prints.' });

export const driftSchema = z
  .object({
    version: z.literal(1),
    upstream: z.record(z.string(), z.unknown()),
    downstream: z.record(z.string(), z.unknown()),
    generatedAt: z.string(),
    differences: z.array(z.record(z.string(), z.unknown())),
    classes: z.array(z.record(z.string(), z.unknown())),
    stale: z.array(z.record(z.string(), z.unknown())),
    expired: z.array(z.record(z.string(), z.unknown())),
    over: z.boolean(),
  })
  .openapi('DriftReport', { description: 'What `tollgate drift A B --json` prints.' });

export const rollbackCheckSchema = z
  .object({
    stage: z.string(),
    pipeline: z.string(),
    digest: z.string(),
    source: z.string(),
    evaluatedAt: z.string(),
    promotedAt: z.string().optional(),
    watchEndsAt: z.string().optional(),
    watching: z.boolean(),
    verdict: z.string(),
    exitCode: z.number(),
    conditions: z.array(z.record(z.string(), z.unknown())),
  })
  .openapi('RollbackCheck', { description: 'What `tollgate rollback check STAGE --json` prints.' });

export const rollbackSchema = z
  .object({
    seq: z.number(),
    hash: z.string(),
    stage: z.string(),
    actor: z.string(),
    from: promotionRecord,
    to: z.object({ digest: z.string(), promotion: promotionRecord.optional(), pinned: z.boolean() }),
    reason: z.string(),
  })
  .openapi('RollbackRecorded', { description: 'What `tollgate rollback STAGE --json` prints.' });

export const envelopeSchema = z
  .object({
    payloadType: z.string(),
    payload: z.string(),
    signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string() })),
  })
  .openapi('VsaEnvelope', { description: 'What `tollgate vsa STAGE --artifact D` prints: a DSSE envelope.' });

export const ledgerVerdictSchema = z
  .object({
    ok: z.boolean(),
    entries: z.number(),
    head: z.string().optional(),
    seq: z.number().optional(),
    reason: z.string().optional(),
    timeBackwards: z
      .object({
        count: z.number(),
        first: z.array(
          z.object({ seq: z.number(), at: z.string(), previousSeq: z.number(), previousAt: z.string() }),
        ),
      })
      .optional()
      .describe(
        'Entries dated more than 5 minutes before the entry they follow (a warning: the chain is intact)',
      ),
    digestConflicts: z
      .array(
        z.object({
          digest: z.string(),
          artifacts: z.array(z.object({ artifact: z.string(), seq: z.number() })),
        }),
      )
      .optional()
      .describe(
        'Digests that register entries tie to more than one artifact, each with the first entry tying it there (a warning: the chain is intact)',
      ),
    pipeline: z.string(),
    location: z.string(),
  })
  .openapi('LedgerVerdict', { description: 'What `tollgate ledger verify --json` prints.' });

export const pipelinesSchema = z
  .array(
    z.object({
      pipeline: z.string(),
      contract: z.object({ digest: z.string() }),
      stages: z.array(z.object({ stage: z.string(), purpose: z.string(), from: z.array(z.string()) })),
    }),
  )
  .openapi('Pipelines');

const contractDigest = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'a contract digest: sha256: and 64 hex digits')
  .openapi({ example: `sha256:${'c0'.repeat(32)}` });

export const contractVersionPath = z.object({
  pipeline: pipelineParam,
  digest: contractDigest.openapi({ param: { name: 'digest', in: 'path' } }),
});

const contractChanges = z
  .object({
    stages: z.array(
      z.object({
        stage: z.string(),
        change: z.enum(['added', 'removed', 'changed']),
        added: z.array(z.string()).describe('Requirements (gate keys) added'),
        removed: z.array(z.string()),
        changed: z.array(z.string()),
        settings: z.array(z.string()).describe('Other stage keys changed (from, config, rollback…)'),
      }),
    ),
    sections: z.array(z.string()).describe('Top-level keys changed (admins, groups, trust…)'),
    files: z
      .array(z.string())
      .optional()
      .describe('Trusted files whose content changed (trust.keys.NAME, trust.identities.NAME.trustedRoot)'),
  })
  .openapi('ContractChanges');

export const contractUpdateSchema = z
  .object({
    recorded: z.boolean(),
    pipeline: z.string(),
    digest: z.string(),
    previous: z.string().optional(),
    entry: z.object({ seq: z.number(), hash: z.string(), actor: z.string(), at: z.string() }),
    changes: contractChanges.optional(),
    message: z.string(),
  })
  .openapi('ContractUpdate', { description: 'What `tollgate contract update --json` prints.' });

const contractVersionShape = {
  digest: z.string(),
  previous: z.string().nullable(),
  seq: z.number(),
  actor: z.string(),
  at: z.string(),
  via: z.enum(['first promotion', 'update', 'upload']),
  reason: z.string().optional(),
  changes: contractChanges.optional(),
  inForce: z.boolean(),
  clockSet: z.literal(true).optional(),
};

export const contractVersionsSchema = z
  .object({
    pipeline: z.string(),
    inForce: z.string().optional(),
    versions: z.array(z.object(contractVersionShape)),
  })
  .openapi('ContractVersions', { description: 'What `tollgate contract versions --json` prints.' });

export const contractVersionSchema = z
  .object({ pipeline: z.string(), ...contractVersionShape, text: z.string() })
  .openapi('ContractVersion');

export const whoamiSchema = z
  .object({
    principal: z.string(),
    role: z.enum(ROLES),
    pipelines: z.union([z.literal('*'), z.array(z.string())]),
    stages: z.array(z.string()).optional(),
    via: z.string(),
    /** For a CI job: the people who triggered it, as its issuer signed them. */
    actingFor: z.array(z.string()).optional(),
  })
  .openapi('Whoami');

export const tokenRecordSchema = z
  .object({
    id: z.string(),
    principal: z.string(),
    role: z.string(),
    pipelines: z.union([z.literal('*'), z.array(z.string())]),
    stages: z.array(z.string()).optional(),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().optional(),
    revokedBy: z.string().optional(),
    madeVia: z
      .literal('api')
      .optional()
      .describe('api when made over the API by createdBy; absent when the operator made it on the database'),
    madeWith: z
      .string()
      .optional()
      .describe(
        'The credential that made it over the API: token:<id> (revoking that token revokes this one), oidc:<issuer> (a CI job), session (a signed-in person); absent when the operator made it on the database, or before this was recorded',
      ),
  })
  .openapi('Token');

export const revokedTokenSchema = tokenRecordSchema
  .extend({
    revokedWith: z
      .array(z.string())
      .describe(
        'The ids of the tokens revoked with it now: every token it made over the API, and every token those made; empty when there were none still working',
      ),
  })
  .openapi('RevokedToken');

export const createdTokenSchema = z
  .object({ token: z.string().describe('Shown once; only its hash is stored.') })
  .extend(tokenRecordSchema.shape)
  .openapi('CreatedToken', { description: 'What `tollgate token create --json` prints.' });

// ── The dashboard's read models (src/app/dashboard.ts) ─────────────────────────────────────────

const pageParam = (name: string, description: string) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'a whole number')
    .optional()
    .openapi({ param: { name, in: 'query' }, description });

export const overviewQuery = z.object({
  q: z
    .string()
    .max(200)
    .optional()
    .openapi({
      param: { name: 'q', in: 'query' },
      description: "Text a pipeline's name or one of its stages' names contains.",
    }),
  status: z
    .enum(['promoted', 'verified', 'failed', 'rolled-back', 'waiting'])
    .optional()
    .openapi({
      param: { name: 'status', in: 'query' },
      description:
        "Only pipelines with a stage whose current promotion is promoted (not yet verified), verified, failed or rolled-back (the stage went back to an earlier digest), or with a digest waiting at a stage's door. Selected before paging.",
    }),
  page: pageParam('page', 'The page, from 1 (default 1).'),
  size: pageParam('size', 'Pipelines a page (default 20, at most 100).'),
});

export const overviewPipelineSchema = z
  .object({
    pipeline: z.string(),
    contract: z.object({ digest: z.string() }),
    entries: z.number(),
    stages: z.array(
      stageStatusRow.extend({
        from: z.array(z.string()),
        rollback: z.boolean(),
        waiting: z.array(
          z.object({
            digest: z.string(),
            labels: z.record(z.string(), z.string()),
            lookalikes,
            from: z.string(),
            runsIn: z
              .array(z.string())
              .describe(
                'Every upstream stage the digest runs in now, in the contract `from` order; `from` is the first.',
              ),
            verdict: z.enum(['allowed', 'blocked', 'pending']),
            pending: z.array(
              z.object({
                gate: z.string(),
                status: z.enum(['fail', 'pending']),
                summary: z.string(),
                until: z.string().optional(),
              }),
            ),
            until: z.string().optional(),
          }),
        ),
      }),
    ),
  })
  .openapi('PipelineSummary', {
    description:
      "One pipeline on the dashboard: each stage's current digest and status, and the digests waiting at its door with what `check` says they wait for.",
  });

export const overviewSchema = z
  .object({
    total: z.number(),
    page: z.number(),
    size: z.number(),
    pipelines: z.array(overviewPipelineSchema),
  })
  .openapi('Overview', { description: 'A page of the pipelines the caller may read.' });

export const timelineQuery = z.object({
  before: pageParam(
    'before',
    'Entries before this seq (the `next` of the previous page); default: the newest.',
  ),
  limit: pageParam('limit', 'Rows a page (default 50, at most 200).'),
});

export const timelineSchema = z
  .object({
    pipeline: z.string(),
    entries: z.array(
      z.object({
        seq: z.number(),
        kind: z.string(),
        stage: z.string().nullable(),
        artifact: z.string().nullable(),
        actor: z.string(),
        at: z.string(),
        status: z.string().optional(),
        decision: z.string().optional(),
        result: z.string().optional(),
        target: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional(),
        lookalikes,
        targetLookalikes: lookalikes,
      }),
    ),
    next: z.number().optional(),
  })
  .openapi('Timeline', {
    description: 'Registrations, promotions, rollbacks, verifications and approvals, newest first.',
  });

export const inboxQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'a whole number')
    .optional()
    .openapi({
      param: { name: 'after', in: 'query' },
      description: 'Where the previous page ended (its `next`); default: the first page.',
    }),
  size: pageParam('size', 'Items a page (default 20, at most 100).'),
});

const inboxItemSchema = z
  .object({
    pipeline: z.string(),
    stage: z.string(),
    artifact: z.object({ digest: z.string(), labels: z.record(z.string(), z.string()), lookalikes }),
    from: z.string(),
    runsIn: z
      .array(z.string())
      .describe(
        'Every upstream stage the digest runs in now, in the contract `from` order; `from` is the first.',
      ),
    gate: z.object({ status: z.string(), summary: z.string(), required: z.array(z.string()) }),
    mine: z.object({ decision: z.string(), at: z.string(), comment: z.string().optional() }).optional(),
    notCounted: z
      .string()
      .optional()
      .describe('Why your approval would not count (separation of duties), when it would not.'),
    mayApprove: z.boolean(),
  })
  .openapi('InboxItem', { description: 'A digest waiting at a stage for approvals the caller could give.' });

export const inboxSchema = z
  .object({
    items: z.array(inboxItemSchema),
    next: z.number().optional().describe('Pass as `after` for the next page; absent on the last page.'),
  })
  .openapi('Inbox', { description: 'A page of the digests waiting for approvals the caller could give.' });

export const vsaVerificationSchema = z
  .object({
    valid: z.boolean(),
    reason: z.string(),
    seq: z.number(),
    verifier: z.string().optional(),
    result: z.string().optional(),
    timeVerified: z.string().optional(),
    ledger: z.boolean(),
  })
  .openapi('VsaVerification', {
    description:
      "The stored VSA checked as `tollgate verify` checks it, with the public half of the pipeline's verifier key.",
  });

z.config({ jitless: jitlessBefore });
