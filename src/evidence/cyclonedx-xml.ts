/**
 * CycloneDX XML (schema 1.0–1.7) → the same BOM in CycloneDX's JSON document model, so that one
 * reader (cyclonedx-parser.ts) reads both encodings and they cannot drift apart. Maven's and
 * Gradle's CycloneDX plugins write XML beside JSON, and the .NET tool writes XML by default.
 *
 * The two encodings differ in regular ways, which is all this converts: a list is a wrapper
 * element holding one element per item (`<components><component>`), attributes are fields
 * (`bom-ref`, `type`), a leaf element's text is a string, `<hash alg>` and `<property name>` carry
 * their value as text, a licence choice is `<license>`, `<expression>` or (1.7) `<expression-detailed
 * expression>`, a composition's lists hold references (`<vulnerability ref>`), and a vulnerability's
 * `affects` are `<target>` elements. Elements of other namespaces (extensions) are left out.
 * Missing names and ids are refused here, where the line is known.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { TollgateError } from '../errors.js';
import type { JsonObject } from './json-input.js';
import { doctypeText, type XmlDocumentKind, xmlErrorText } from './xml-errors.js';

/** How messages name a CycloneDX XML document. */
const CYCLONEDX: XmlDocumentKind = {
  format: 'CycloneDX XML',
  document: 'a CycloneDX document',
  wellFormed: 'a well-formed CycloneDX XML document',
  start: 'the document to start with <bom>',
};

const NAMESPACE = /^http:\/\/cyclonedx\.org\/schema\/bom\/(1\.\d+)$/;

/** Wrapper elements whose children are the items of a JSON array (those with their own forms below). */
const LISTS = new Set([
  'components',
  'services',
  'externalReferences',
  'vulnerabilities',
  'ratings',
  'references',
  'advisories',
  'authors',
  'dependencies',
  'ancestors',
  'descendants',
  'variants',
  'commits',
  'patches',
  'versions',
  'endpoints',
  'licenses',
  'hashes',
  'properties',
  'affects',
  'cwes',
  // 1.7's references to patents (`<bom-ref>patent-1</bom-ref>`): JSON's array of bom-ref strings,
  // not a field that defines one.
  'patentRefs',
]);

/**
 * The fields the readers use, by the element that holds them: given twice in one such element, the
 * document is refused. Elsewhere a repeated element becomes a list, as the schema allows.
 */
const READ_ONCE: Readonly<Record<string, ReadonlySet<string>>> = {
  bom: new Set(['metadata', 'components', 'vulnerabilities']),
  metadata: new Set(['component', 'tools']),
  component: new Set(['name', 'group', 'version', 'purl', 'licenses', 'components']),
  license: new Set(['id', 'name']),
  tool: new Set(['name', 'version']),
  vulnerability: new Set(['id', 'source', 'references', 'ratings', 'description', 'analysis', 'affects']),
  source: new Set(['name']),
  reference: new Set(['id']),
  rating: new Set(['score', 'severity', 'method']),
  analysis: new Set(['state']),
  target: new Set(['ref']),
};

/**
 * Parses CycloneDX XML into the JSON document model (`bomFormat`, `specVersion` from the
 * namespace, `components`, `metadata`, `vulnerabilities`, …). Built as the parser streams, one
 * open element at a time: no tree of the whole document is kept (100,000 components).
 * @throws TollgateError EVIDENCE_INVALID at `file:line:column` for malformed XML, a DOCTYPE, a
 * root outside CycloneDX's namespace, or a component, vulnerability or affected target without
 * its name, id or ref.
 */
export function parseCycloneDxXml(text: string, file: string): JsonObject {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const invalid: Invalid = (line, column, message) =>
    new TollgateError('EVIDENCE_INVALID', `${file}:${line}:${column}: ${message}`, {
      position: { file, line, column },
    });
  let uri: string | undefined;
  let bom: JsonObject | undefined;
  const open: Frame[] = [];
  // Depth inside an element of another namespace: it and all it holds are skipped.
  let foreign = 0;
  /** Each bom-ref met, with the element and line that first gave it. */
  const bomRefs = new Map<string, { name: string; line: number }>();
  parser.on('error', (error) => {
    throw invalid(parser.line, parser.column, xmlErrorText(error.message, CYCLONEDX));
  });
  parser.on('doctype', () => {
    throw invalid(parser.line, parser.column, doctypeText(CYCLONEDX));
  });
  parser.on('opentag', (tag) => {
    const element = tag as SaxesTagNS;
    if (uri === undefined) {
      uri = element.uri;
      if (!NAMESPACE.test(uri)) {
        throw invalid(
          parser.line,
          parser.column,
          `the root <${element.name}> is in namespace ${JSON.stringify(uri)}; expected CycloneDX's, http://cyclonedx.org/schema/bom/1.x`,
        );
      }
    }
    if (foreign > 0 || element.uri !== uri) {
      foreign++;
      return;
    }
    let attributes: Record<string, string> | undefined;
    for (const key in element.attributes) {
      const attribute = element.attributes[key]!;
      // Namespace declarations and attributes of other namespaces (xsi:schemaLocation) are not fields.
      if (attribute.prefix !== '' || attribute.local === 'xmlns') continue;
      attributes ??= {};
      attributes[attribute.local] = attribute.value;
    }
    // A bom-ref attribute names its part; the spec requires it unique within the BOM, as a
    // reference to a shared one (a VEX statement's target) would name either part.
    const ref = attributes?.['bom-ref'];
    if (ref !== undefined && ref !== '') {
      const first = bomRefs.get(ref);
      if (first) {
        throw invalid(
          parser.line,
          parser.column,
          `<${element.local}> has bom-ref ${JSON.stringify(ref)}, which the <${first.name}> at line ${first.line} has already; expected every bom-ref unique within the BOM (a reference to it would name either)`,
        );
      }
      bomRefs.set(ref, { name: element.local, line: parser.line });
    }
    const parent = open[open.length - 1];
    if (parent) parent.parent = true;
    open.push({
      name: element.local,
      attributes,
      line: parser.line,
      column: parser.column,
      text: '',
      parent: false,
    });
  });
  // Text and CDATA sections alike (cyclonedx-php-composer writes every value as CDATA).
  const addText = (chunk: string) => {
    const top = open[open.length - 1];
    if (foreign === 0 && top && !top.parent) top.text += chunk;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    if (foreign > 0) {
      foreign--;
      return;
    }
    const frame = open.pop()!;
    const value = finish(frame);
    const parent = open[open.length - 1];
    if (parent) attach(parent, frame, value, invalid, open[open.length - 2]?.name);
    else bom = value as JsonObject;
  });
  parser.write(text).close();
  // saxes has already refused a document with no element; this tells TypeScript.
  if (bom === undefined || uri === undefined)
    throw invalid(1, 1, xmlErrorText('document must contain a root element', CYCLONEDX));
  const out: JsonObject = { bomFormat: 'CycloneDX', specVersion: NAMESPACE.exec(uri)![1]!, ...bom };
  if (typeof out.version === 'string' && /^\d+$/.test(out.version)) out.version = Number(out.version);
  return out;
}

type Invalid = (line: number, column: number, message: string) => TollgateError;

/** An element being read: its own fields, the items of a list, or a leaf's text. */
interface Frame {
  name: string;
  attributes: Record<string, string> | undefined;
  line: number;
  column: number;
  text: string;
  /** True once a child element opened: then it is an object or a list, and its text is not kept. */
  parent: boolean;
  fields?: JsonObject;
  items?: unknown[];
  /** `<dependency ref>` elements inside a `<dependency>`: JSON's `dependsOn`. */
  dependsOn?: string[];
  /** Fields given more than once (and not read by Tollgate), already turned into a list. */
  repeated?: Set<string>;
}

/** A leaf's text with its whitespace runs (line breaks and indentation of wrapped values) as one space. */
function textOf(frame: Frame): string {
  return frame.text.replace(/\s+/g, ' ').trim();
}

/** The JSON value of a closed element. */
function finish(frame: Frame): unknown {
  // <tools>: <tool> items up to 1.4 (a JSON array); from 1.5 an object of <components>/<services>.
  if (frame.name === 'tools') return frame.items ?? frame.fields ?? [];
  if (LISTS.has(frame.name)) return frame.items ?? [];
  if (!frame.parent) {
    const text = textOf(frame);
    if (frame.attributes === undefined) return frame.name === 'score' ? numberOr(text) : text;
    return { ...frame.attributes, content: text };
  }
  const fields = frame.fields ?? fieldsOf(frame);
  if (frame.name === 'dependency' && frame.dependsOn) fields.dependsOn = frame.dependsOn;
  return fields;
}

/**
 * Puts a closed child's value where the JSON form has it: an item of its parent's list, or a field.
 * `owner` is the element holding the parent (a list's items depend on whose list it is).
 */
function attach(
  parent: Frame,
  child: Frame,
  value: unknown,
  invalid: Invalid,
  owner: string | undefined,
): void {
  if (
    (parent.name === 'tools' && child.name === 'tool') ||
    (parent.name !== 'tools' && LISTS.has(parent.name))
  ) {
    parent.items ??= [];
    // A composition's <assemblies>, <dependencies> and <vulnerabilities> list references
    // (`<vulnerability ref="…"/>`): JSON's arrays of bom-ref strings, not vulnerabilities.
    const item =
      owner === 'composition'
        ? (child.attributes?.ref ?? textOf(child))
        : itemOf(parent.name, child, value, invalid);
    parent.items.push(item);
    return;
  }
  if (parent.name === 'dependency' && child.name === 'dependency') {
    parent.dependsOn ??= [];
    parent.dependsOn.push(child.attributes?.ref ?? '');
    return;
  }
  parent.fields ??= fieldsOf(parent);
  if (!(child.name in parent.fields)) {
    parent.fields[child.name] = value;
    return;
  }
  // A field Tollgate reads, given twice: the second would silently replace the first (a second
  // <licenses> hiding a denied licence, a second <components> a banned package). JSON's duplicate
  // keys are refused the same way. Other repeated elements (<url>, <contact>) become a list.
  if (READ_ONCE[parent.name]?.has(child.name)) {
    throw invalid(
      child.line,
      child.column,
      `<${child.name}> appears twice in <${parent.name}>: the second would hide what the first says; expected one`,
    );
  }
  parent.repeated ??= new Set();
  const existing = parent.fields[child.name];
  if (parent.repeated.has(child.name)) (existing as unknown[]).push(value);
  else parent.fields[child.name] = [existing, value];
  parent.repeated.add(child.name);
}

/** One item of a list, in the JSON form of that list's items. */
function itemOf(list: string, child: Frame, value: unknown, invalid: Invalid): unknown {
  switch (list) {
    case 'licenses':
      return licenseChoiceOf(child, value, invalid);
    case 'hashes':
      return { alg: child.attributes?.alg ?? '', content: textOf(child) };
    case 'properties':
      return { name: child.attributes?.name ?? '', value: textOf(child) };
    case 'cwes':
      return numberOr(textOf(child));
    case 'components':
    case 'ancestors':
    case 'descendants':
    case 'variants':
      return required(child, value, 'name', 'component', invalid);
    case 'vulnerabilities':
      return required(child, value, 'id', 'vulnerability', invalid);
    case 'affects':
      return required(child, value, 'ref', 'affected target', invalid);
    default:
      return value;
  }
}

/**
 * A licence choice: `{ license: {id | name, …} }` or `{ expression }`. 1.7's `<expression-detailed
 * expression="…">` is JSON's `{ expression, expressionDetails }`; only the expression is read (its
 * details name parts of it). Anything else in `<licenses>` is refused: a licence form this reader
 * does not know would otherwise vanish from the summary.
 */
function licenseChoiceOf(child: Frame, value: unknown, invalid: Invalid): JsonObject {
  if (child.name === 'license') return { license: asObject(value) };
  if (child.name === 'expression') return { expression: textOf(child) };
  if (child.name === 'expression-detailed') {
    const expression = child.attributes?.expression;
    if (expression === undefined || expression.trim() === '') {
      throw invalid(
        child.line,
        child.column,
        '<expression-detailed> has no expression attribute; expected the SPDX licence expression it details',
      );
    }
    return { expression };
  }
  throw invalid(
    child.line,
    child.column,
    `<${child.name}> in <licenses>; expected <license>, <expression> or <expression-detailed> (CycloneDX 1.0–1.7)`,
  );
}

/** A new object for an element's fields, holding its attributes. */
function fieldsOf(frame: Frame): JsonObject {
  const fields: JsonObject = {};
  if (frame.attributes) for (const key in frame.attributes) fields[key] = frame.attributes[key];
  return fields;
}

/** A leaf read as an object (an empty `<license/>`): its attributes, or nothing. */
function asObject(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null ? (value as JsonObject) : {};
}

function required(child: Frame, value: unknown, field: string, what: string, invalid: Invalid): JsonObject {
  const object = asObject(value);
  if (typeof object[field] === 'string' && object[field] !== '') return object;
  throw invalid(
    child.line,
    child.column,
    `<${child.name}> has no <${field}>; expected every ${what} to have its ${field}`,
  );
}

function numberOr(text: string): number | string {
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? number : text;
}
