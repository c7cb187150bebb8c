/**
 * What the streaming XML readers (JUnit, CycloneDX) say when saxes stops or a DOCTYPE appears: one
 * wording for both, naming the kind of document each expected.
 */

/** How a reader names the document it expected. */
export interface XmlDocumentKind {
  /** The format: "JUnit XML". */
  format: string;
  /** The document with its article: "a JUnit report". */
  document: string;
  /** What a correct one is: "a well-formed JUnit XML report". */
  wellFormed: string;
  /** How it should start: "the report to start with <testsuites> or <testsuite>". */
  start: string;
}

/** Rephrases a saxes message ("12:4: unclosed tag: system-out") for people. */
export function xmlErrorText(raw: string, kind: XmlDocumentKind): string {
  const message = raw.replace(/^\d+:\d+: /, '').replace(/\.$/, '');
  const unclosed = /^unclosed tag: (.+)$/.exec(message);
  if (unclosed) {
    return `the file ends while <${unclosed[1]}> is still open; expected a complete ${kind.format} document (is the file truncated?)`;
  }
  if (message === 'undefined entity') {
    return "an entity reference that is not one of XML's five (&lt; &gt; &amp; &quot; &apos;) or a character reference; entities are refused";
  }
  if (message === 'document must contain a root element') {
    return `the file contains no XML element; expected ${kind.document}`;
  }
  return `malformed XML: ${message}; expected ${kind.wellFormed}`;
}

/**
 * Why a DOCTYPE is refused outright: no evidence format needs one, and an internal subset is how
 * entity expansion (billion laughs) and external entities (XXE) get in.
 */
export function doctypeText(kind: XmlDocumentKind): string {
  return `a DOCTYPE declaration is not allowed in ${kind.document} (it could declare entities: expansion and external entities are refused); expected ${kind.start}`;
}
