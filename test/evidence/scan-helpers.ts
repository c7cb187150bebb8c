import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Text of a copied real fixture under test/fixtures/. */
export function fixtureText(path: string): string {
  return readFileSync(`${root}fixtures/${path}`, 'utf8');
}

/** Parsed JSON of a copied real fixture under test/fixtures/. */
export function fixtureJson(path: string): unknown {
  return JSON.parse(fixtureText(path));
}

/** Text of a hand-written sample under test/evidence/samples/. */
export function sampleText(name: string): string {
  return readFileSync(`${root}evidence/samples/${name}`, 'utf8');
}

export function sampleJson(name: string): unknown {
  return JSON.parse(sampleText(name));
}
