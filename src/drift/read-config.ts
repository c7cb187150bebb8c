/**
 * Reading a stage's configuration files: the edge that touches the file system. Each entry of a
 * stage's `config` is a path relative to the repository root, optionally prefixed with a format
 * (`flagd:`, `k8s:`, `yaml:`, `json:`, `env:`, `properties:`) to force the reader; otherwise the
 * reader is chosen by file name, then by content (a YAML file whose documents are all Kubernetes
 * objects is read as manifests, a JSON or YAML file with flagd `flags` as flag definitions).
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { inputError, TollgateError, unreadableFile } from '../errors.js';
import { lineColumnAt, parseStrictJson } from '../text/json-text.js';
import { parseEnvFile } from './env-reader.js';
import { isFlagdDocument, readFlagd } from './flagd-reader.js';
import { isK8sDocument, readK8s } from './k8s-reader.js';
import { type ConfigPart, mergeConfig } from './merge.js';
import { firstInexactJsonNumber } from './numbers.js';
import { parseProperties, refuseAmbiguousEncoding } from './properties-reader.js';
import type { ConfigFormat, ConfigSet, ConfigSource, ConfigValue } from './types.js';
import { parseYamlDocuments } from './yaml-reader.js';

const FORMATS: readonly ConfigFormat[] = ['yaml', 'json', 'env', 'properties', 'flagd', 'k8s'];

export interface ReadConfigOptions {
  /** The repository root: every config path must resolve inside it (symbolic links included). */
  root: string;
}

/** Splits `flagd:path` into a forced format and the path; no recognised prefix leaves the format open. */
export function splitConfigEntry(entry: string): { format?: ConfigFormat; file: string } {
  const colon = entry.indexOf(':');
  if (colon > 0) {
    const prefix = entry.slice(0, colon) as ConfigFormat;
    if (FORMATS.includes(prefix)) return { format: prefix, file: entry.slice(colon + 1) };
  }
  return { file: entry };
}

/** The format a file name suggests, or undefined when only the content can tell. */
export function formatFromName(file: string): ConfigFormat | undefined {
  const name = basename(file).toLowerCase();
  if (/\.flagd\.(json|ya?ml)$/.test(name)) return 'flagd';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'yaml';
  if (name.endsWith('.properties')) return 'properties';
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env')) return 'env';
  return undefined;
}

/** Reads and merges a stage's config entries, later over earlier. */
export async function readStageConfig(
  entries: readonly string[],
  options: ReadConfigOptions,
): Promise<ConfigSet> {
  const parts: ConfigPart[] = [];
  for (const entry of entries) {
    const { format, file } = splitConfigEntry(entry);
    const bytes = readInsideRoot(file, options.root);
    parts.push(...parseConfigBytes(bytes, file, format));
  }
  return mergeConfig(parts);
}

/** Parses one file's bytes into merge parts. `file` is used in messages and the source record. */
export function parseConfigBytes(bytes: Uint8Array, file: string, forced?: ConfigFormat): ConfigPart[] {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const named = forced ?? formatFromName(file);
  const { text, utf8 } = decode(bytes, file, named === 'properties');
  const format = named ?? sniff(text, file);
  if (format === 'properties' && utf8) refuseAmbiguousEncoding(bytes, text, file);
  const source: ConfigSource = { file, format, digest };
  switch (format) {
    case 'env':
    case 'properties': {
      const value = format === 'env' ? parseEnvFile(text, file) : parseProperties(text, file);
      if (Object.keys(value).length === 0) {
        throw invalid(
          file,
          'the file holds no assignment (only comments or blank lines): nothing to compare',
        );
      }
      return [{ source, namespace: 'plain', value }];
    }
    case 'json':
    case 'yaml':
    case 'flagd':
    case 'k8s': {
      const documents = format === 'json' ? [parseJson(text, file)] : parseYamlDocuments(text, file);
      if (documents.length === 0) {
        throw invalid(
          file,
          'the file holds no YAML document (only comments, blank lines or empty documents): nothing to compare',
        );
      }
      return documentsToParts(documents, source, forced, file);
    }
  }
}

function documentsToParts(
  documents: ConfigValue[],
  source: ConfigSource,
  forced: ConfigFormat | undefined,
  file: string,
): ConfigPart[] {
  if (
    source.format === 'flagd' ||
    (forced === undefined && documents.length === 1 && isFlagdDocument(documents[0]!))
  ) {
    if (documents.length !== 1) throw invalid(file, `expected one flagd document, found ${documents.length}`);
    const { flags, stats } = readFlagd(documents[0]!, file);
    if (stats.total === 0) throw invalid(file, 'the flagd definition holds no flag: nothing to compare');
    source.format = 'flagd';
    source.flags = stats;
    return [{ source, namespace: 'flagd', value: flags }];
  }
  const k8sCount = documents.filter(isK8sDocument).length;
  if (source.format === 'k8s' || (forced === undefined && k8sCount > 0 && k8sCount === documents.length)) {
    const resources = readK8s(documents, file);
    if (Object.keys(resources).length === 0) {
      throw invalid(file, 'the file holds no Kubernetes object (an empty List?): nothing to compare');
    }
    source.format = 'k8s';
    source.resources = Object.keys(resources).length;
    return [{ source, namespace: 'k8s', value: resources }];
  }
  if (forced === undefined && k8sCount > 0) {
    throw invalid(
      file,
      `${k8sCount} of ${documents.length} documents are Kubernetes objects and the others are not; ` +
        'split the file, or force a reader with a "k8s:" or "yaml:" prefix',
    );
  }
  if (documents.length > 1) {
    // Helm (`-f values.yaml`, through go-yaml's Unmarshal) reads the first document only, PyYAML's
    // safe_load refuses the file, Spring Boot merges the documents in order when their profiles are
    // active: a key that only a later document sets, or sets again, is a value some reader never sees.
    throw invalid(
      file,
      `${documents.length} YAML documents in a plain config file: Helm reads only the first, PyYAML refuses the file and Spring Boot merges them by profile, so the values compared may not be the ones the application reads; put each document in its own file and list them in the stage's config (later files override earlier ones, as helm -f does)`,
    );
  }
  return documents.map((document, index) => {
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      throw invalid(
        file,
        `document ${index + 1}: expected a map at the top level, found ${Array.isArray(document) ? 'a list' : 'a scalar'}`,
      );
    }
    return { source, namespace: 'plain' as const, value: document };
  });
}

/** Strict JSON (duplicate keys refused), and no number the diff could not compare as written. */
function parseJson(text: string, file: string): ConfigValue {
  const value = parseStrictJson(text, file) as ConfigValue;
  const inexact = firstInexactJsonNumber(text);
  if (inexact !== undefined) {
    throw inputError('CONFIG_INVALID', { file, ...lineColumnAt(text, inexact.offset) }, inexact.message);
  }
  return value;
}

function sniff(text: string, file: string): ConfigFormat {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') return 'json';
  throw invalid(
    file,
    'cannot tell the format from the file name; name it .yaml, .json, .env or .properties, or prefix the path with yaml:, json:, env:, properties:, flagd: or k8s:',
  );
}

function decode(bytes: Uint8Array, file: string, latin1Fallback: boolean): { text: string; utf8: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes), utf8: true };
  } catch {
    // Buffer's latin1 is ISO-8859-1, as Java's; TextDecoder('latin1') is windows-1252 (0x80 is €).
    if (latin1Fallback)
      return {
        text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'),
        utf8: false,
      };
    throw invalid(file, 'expected UTF-8 text');
  }
}

/**
 * Reads one config file, inside the root. Synchronous on purpose: the file is parsed synchronously
 * right after (YAML, JSON, flagd…), which costs far more than reading it, so promise-based reads
 * kept no event loop free; they only sent each file through libuv's thread pool (started for them
 * alone on a `check`) as seven round trips (two realpaths, open, stat, reads, close). The same
 * system calls as before: `realpathSync.native` is libuv's realpath, as `fs/promises`' was.
 */
function readInsideRoot(file: string, root: string): Uint8Array {
  const rootPath = resolve(root);
  const path = resolve(rootPath, file);
  if (!isInside(rootPath, path)) {
    throw invalid(
      file,
      `the path is outside the repository root ${rootPath}; config files must live in the repository`,
    );
  }
  let real: string;
  try {
    real = realpathSync.native(path);
  } catch (error) {
    throw unreadable(file, error);
  }
  let realRoot = rootPath;
  try {
    realRoot = realpathSync.native(rootPath);
  } catch {}
  if (!isInside(realRoot, real)) {
    throw invalid(
      file,
      `the path leads outside the repository root ${rootPath} (through a symbolic link to ${real})`,
    );
  }
  try {
    return readFileSync(real);
  } catch (error) {
    throw unreadable(file, error);
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function unreadable(file: string, error: unknown) {
  return unreadableFile(file, error, { code: 'CONFIG_INVALID', what: 'the config file' });
}

function invalid(file: string, message: string) {
  return new TollgateError('CONFIG_INVALID', `${file}: ${message}`, { position: { file } });
}
