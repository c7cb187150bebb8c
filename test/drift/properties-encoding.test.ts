/**
 * The bytes of a `.properties` file mean different text to its readers: Properties.load(InputStream)
 * and Spring Boot's OriginTrackedPropertiesLoader read ISO-8859-1, Properties.load(Reader) over
 * UTF-8 and ResourceBundle (Java 9+) read UTF-8. Tollgate read UTF-8, so `Zürich` written in UTF-8
 * in one stage and `ZÃ¼rich` (the same bytes, re-encoded by a Latin-1 tool) in the other compared
 * as different while half the readers saw one value, and the other way round.
 */
import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { tollgateErrorOf } from '../support/builders.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const read = (name: string, bytes: Uint8Array) => mergeConfig(parseConfigBytes(bytes, name));

describe('.properties encoding', () => {
  it('refuses a non-ASCII character in a UTF-8 file with its line and column', () => {
    const error = tollgateErrorOf(() =>
      read('app/prod.properties', utf8('# Zürich office\nname=app\ncity = Zürich\n')),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^app\/prod\.properties:3:9: a non-ASCII character: /);
    expect(error.message).toContain('ISO-8859-1');
    expect(error.message).toContain('\\uXXXX');
    expect(error.message).not.toContain('ü');
  });

  it('refuses a non-ASCII character in a key and on a continuation line starting with a hash', () => {
    expect(tollgateErrorOf(() => read('a.properties', utf8('café=1\n'))).message).toMatch(
      /^a\.properties:1:4: /,
    );
    expect(tollgateErrorOf(() => read('a.properties', utf8('msg=a \\\n  #ß\n'))).message).toMatch(
      /^a\.properties:2:4: a non-ASCII/,
    );
  });

  it('refuses a UTF-8 byte order mark that ISO-8859-1 readers see as part of the first key', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('port=8080\n')]);
    expect(tollgateErrorOf(() => read('a.properties', bytes)).message).toMatch(
      /^a\.properties:1:1: a UTF-8 byte order mark: /,
    );
  });
});

describe('.properties documents', () => {
  it('refuses a Spring Boot document separator, after which keys apply only to a profile', () => {
    const text = 'server.port=8080\n#---\nspring.config.activate.on-profile=prod\nserver.timeout=5s\n';
    expect(tollgateErrorOf(() => read('app.properties', utf8(text))).message).toMatch(
      /^app\.properties:2:1: a Spring Boot document separator \(#--- or !---\)/,
    );
    expect(tollgateErrorOf(() => read('app.properties', utf8('a=1\n!---\nb=2\n'))).position).toMatchObject({
      line: 2,
    });
  });
});
