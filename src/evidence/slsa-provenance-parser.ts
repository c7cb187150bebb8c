/**
 * SLSA provenance predicates → ProvenanceSummary: v1 (`https://slsa.dev/provenance/v1`), the
 * older v0.2 that many builders still emit, and v0.1 (Google Cloud Build's signed statements). The in-toto statement around the predicate (subject
 * check, signature) is handled in src/trust; this reads the predicate only.
 */

import { isJsonObject } from '../text/json-text.js';
import type { ProvenanceSummary } from './evidence.js';
import { type JsonObject, JsonReader, shapeError } from './json-input.js';

export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';
export const SLSA_PROVENANCE_V01 = 'https://slsa.dev/provenance/v0.1';

/** True for a predicate type this parser reads. */
export function isSlsaProvenanceType(predicateType: string): boolean {
  return (
    predicateType === SLSA_PROVENANCE_V1 ||
    predicateType === SLSA_PROVENANCE_V02 ||
    predicateType === SLSA_PROVENANCE_V01
  );
}

/** True for a bare SLSA v1 predicate (no statement around it). */
export function isSlsaProvenanceV1Predicate(value: unknown): boolean {
  return isJsonObject(value) && isJsonObject(value.buildDefinition) && isJsonObject(value.runDetails);
}

/**
 * `git+https://github.com/acme/app@refs/heads/main` → `https://github.com/acme/app`: no `git+`
 * prefix, no `@ref` suffix, no trailing `.git` or `/`.
 */
export function normaliseRepository(uri: string): { repository: string; ref?: string } {
  let rest = uri.trim().replace(/^git\+/, '');
  let ref: string | undefined;
  const schemeEnd = rest.indexOf('://');
  const at = rest.lastIndexOf('@');
  // An "@" after the path's first "/" is a ref; one before it is user info (git@host).
  const pathStart = rest.indexOf('/', schemeEnd === -1 ? 0 : schemeEnd + 3);
  if (at !== -1 && pathStart !== -1 && at > pathStart) {
    ref = rest.slice(at + 1);
    // Cloud Build writes `repo@@refs/heads/main`: every "@" before the ref is a separator.
    rest = rest.slice(0, at).replace(/@+$/, '');
  }
  rest = rest.replace(/\/+$/, '').replace(/\.git$/, '');
  return ref ? { repository: rest, ref } : { repository: rest };
}

/**
 * Reads a SLSA provenance predicate of the given type.
 * @example parseSlsaProvenance(statement.predicate, statement.predicateType, 'build.intoto.json').builderId
 */
export function parseSlsaProvenance(
  predicate: unknown,
  predicateType: string,
  file: string,
): ProvenanceSummary {
  if (predicateType === SLSA_PROVENANCE_V02) return parseV02(predicate, file);
  if (predicateType === SLSA_PROVENANCE_V01) return parseV01(predicate, file);
  if (predicateType !== SLSA_PROVENANCE_V1) {
    throw shapeError(
      file,
      'predicateType',
      `"${SLSA_PROVENANCE_V1}", "${SLSA_PROVENANCE_V02}" or "${SLSA_PROVENANCE_V01}"`,
      predicateType,
    );
  }
  const what = 'SLSA provenance v1 predicate';
  const reader = new JsonReader(file, what);
  const root = reader.object(predicate, 'predicate');
  const definition = reader.object(root.buildDefinition, 'predicate.buildDefinition');
  const run = reader.object(root.runDetails, 'predicate.runDetails');
  const builder = reader.object(run.builder, 'predicate.runDetails.builder');
  const summary: ProvenanceSummary = {
    kind: 'provenance',
    predicateType,
    builderId: reader.string(builder.id, 'predicate.runDetails.builder.id'),
    buildType: reader.string(definition.buildType, 'predicate.buildDefinition.buildType'),
  };
  const metadata = reader.optObject(run.metadata, 'predicate.runDetails.metadata');
  const invocationId = metadata
    ? reader.optString(metadata.invocationId, 'predicate.runDetails.metadata.invocationId')
    : undefined;
  if (invocationId) summary.invocationId = invocationId;

  const external = reader.optObject(
    definition.externalParameters,
    'predicate.buildDefinition.externalParameters',
  );
  const dependencies = reader
    .optArray(definition.resolvedDependencies, 'predicate.buildDefinition.resolvedDependencies')
    .map((dep, i) => reader.object(dep, `predicate.buildDefinition.resolvedDependencies[${i}]`));

  // The object naming where the build's definition came from, { repository, ref, path }: GitHub
  // Actions' workflow build type calls it `workflow`, Cloud Build's google-worker `buildConfigSource`.
  let repository: string | undefined;
  let ref: string | undefined;
  const workflow = [external?.workflow, external?.buildConfigSource].find(
    (candidate): candidate is JsonObject =>
      isJsonObject(candidate) && typeof candidate.repository === 'string',
  );
  if (workflow && typeof workflow.repository === 'string') {
    repository = normaliseRepository(workflow.repository).repository;
    if (typeof workflow.ref === 'string') ref = workflow.ref;
  } else if (external) {
    const source = external.source;
    const uri =
      typeof source === 'string'
        ? source
        : isJsonObject(source) && typeof source.uri === 'string'
          ? source.uri
          : undefined;
    if (uri) ({ repository, ref } = normaliseRepository(uri));
  }

  // The source commit is the digest of the resolved dependency that is the source repository,
  // or, when the repository is not named elsewhere, of the first dependency with a git commit.
  const withCommit = dependencies.filter((dep) => commitOf(dep) !== undefined && typeof dep.uri === 'string');
  const sourceDep =
    withCommit.find(
      (dep) => repository !== undefined && normaliseRepository(dep.uri as string).repository === repository,
    ) ?? (repository === undefined ? withCommit[0] : undefined);
  if (sourceDep) {
    const normalised = normaliseRepository(sourceDep.uri as string);
    repository ??= normalised.repository;
    ref ??= normalised.ref;
    summary.sourceCommit = commitOf(sourceDep);
  }
  if (repository) summary.sourceRepository = repository;
  if (ref) summary.sourceRef = ref;
  return summary;
}

function commitOf(dep: JsonObject): string | undefined {
  const digest = dep.digest;
  if (!isJsonObject(digest)) return undefined;
  const commit = digest.gitCommit ?? digest.sha1;
  return typeof commit === 'string' ? commit.toLowerCase() : undefined;
}

/** SLSA v0.2: builder.id, buildType, invocation.configSource {uri, digest.sha1, entryPoint}. */
function parseV02(predicate: unknown, file: string): ProvenanceSummary {
  const reader = new JsonReader(file, 'SLSA provenance v0.2 predicate');
  const root = reader.object(predicate, 'predicate');
  const summary = v0Summary(reader, root, SLSA_PROVENANCE_V02, () =>
    reader.string(root.buildType, 'predicate.buildType'),
  );
  const invocation = reader.optObject(root.invocation, 'predicate.invocation');
  const configSource = invocation
    ? reader.optObject(invocation.configSource, 'predicate.invocation.configSource')
    : undefined;
  let source: JsonObject | undefined = configSource;
  if (!source || typeof source.uri !== 'string') {
    source = reader
      .optArray(root.materials, 'predicate.materials')
      .find(
        (m): m is JsonObject => isJsonObject(m) && typeof m.uri === 'string' && commitOf(m) !== undefined,
      );
  }
  setSource(summary, source);
  return summary;
}

/**
 * What SLSA v0.1 and v0.2 share: `builder.id` and `metadata.buildInvocationId`, beside the build
 * type, which each keeps in its own place (`buildType`, `recipe.type`).
 */
function v0Summary(
  reader: JsonReader,
  root: JsonObject,
  predicateType: string,
  buildType: () => string,
): ProvenanceSummary {
  const builder = reader.object(root.builder, 'predicate.builder');
  const summary: ProvenanceSummary = {
    kind: 'provenance',
    predicateType,
    builderId: reader.string(builder.id, 'predicate.builder.id'),
    buildType: buildType(),
  };
  const metadata = reader.optObject(root.metadata, 'predicate.metadata');
  const invocationId = metadata
    ? reader.optString(metadata.buildInvocationId, 'predicate.metadata.buildInvocationId')
    : undefined;
  if (invocationId) summary.invocationId = invocationId;
  return summary;
}

/** The source repository, ref and commit of a material (`{uri, digest}`), when it names a URI. */
function setSource(summary: ProvenanceSummary, source: JsonObject | undefined): void {
  if (!source || typeof source.uri !== 'string') return;
  const { repository, ref } = normaliseRepository(source.uri);
  summary.sourceRepository = repository;
  if (ref) summary.sourceRef = ref;
  const commit = commitOf(source);
  if (commit) summary.sourceCommit = commit;
}

/**
 * SLSA v0.1: builder.id, recipe.type (the build type), recipe.definedInMaterial (the index of the
 * material holding the build's definition: the source), metadata.buildInvocationId.
 */
function parseV01(predicate: unknown, file: string): ProvenanceSummary {
  const reader = new JsonReader(file, 'SLSA provenance v0.1 predicate');
  const root = reader.object(predicate, 'predicate');
  let recipe: JsonObject = {};
  const summary = v0Summary(reader, root, SLSA_PROVENANCE_V01, () => {
    recipe = reader.object(root.recipe, 'predicate.recipe');
    return reader.string(recipe.type, 'predicate.recipe.type');
  });
  const materials = reader.optArray(root.materials, 'predicate.materials');
  // An integer, or one written as a string (protobuf's JSON form of int64, as Cloud Build writes
  // it); a negative index (Cloud Build's -1) says that no material defines the recipe.
  const defined = recipe.definedInMaterial;
  const index = typeof defined === 'string' && /^-?\d+$/.test(defined) ? Number(defined) : defined;
  let source: JsonObject | undefined;
  if (index !== undefined && !(typeof index === 'number' && Number.isInteger(index) && index < 0)) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index >= materials.length) {
      throw shapeError(
        file,
        'predicate.recipe.definedInMaterial',
        `the index of one of the ${materials.length} materials`,
        defined,
        'SLSA provenance v0.1 predicate',
      );
    }
    source = reader.object(materials[index], `predicate.materials[${index}]`);
  } else {
    // No material defines the recipe: the source is the first material with a git commit.
    source = materials.find(
      (m): m is JsonObject => isJsonObject(m) && typeof m.uri === 'string' && commitOf(m) !== undefined,
    );
  }
  setSource(summary, source);
  return summary;
}
