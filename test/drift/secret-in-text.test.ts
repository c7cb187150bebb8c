/**
 * Secrets written inside longer text values that drift printed as they were: a JAAS line whose
 * `password=` follows the word `required` (read as the name "required password", which only
 * describes a password), an HTTP header line (`X-Api-Key: …`), and curl's `-u user:password`.
 */
import { describe, expect, it } from 'vitest';
import { maskSecretsInText, secretInValue } from '../../src/text/secret-detector.js';

describe('secrets inside text values', () => {
  it('hides the password of a JAAS line after the word required', () => {
    expect(maskSecretsInText('sasl.jaas.config=x required password="KfkPw404";')).toBe(
      'sasl.jaas.config=x required password=***;',
    );
    expect(
      maskSecretsInText(
        'org.apache.kafka.common.security.scram.ScramLoginModule required username=u password=ScRamPw7;',
      ),
    ).not.toContain('ScRamPw7');
  });

  it('hides the value of a header line with a secret name, alone or among other lines', () => {
    expect(maskSecretsInText('X-Api-Key: HdrKey0987654321abcd')).toBe('X-Api-Key: ***');
    expect(maskSecretsInText('Accept: application/json\nX-Auth-Token: abc.def-123\n')).toBe(
      'Accept: application/json\nX-Auth-Token: ***\n',
    );
    expect(maskSecretsInText('Content-Type: text/plain')).toBe('Content-Type: text/plain');
    // A key that names a request, not a credential, stays readable (the server's error messages quote it).
    expect(maskSecretsInText('Idempotency-Key: deploy 42')).toBe('Idempotency-Key: deploy 42');
    expect(secretInValue('Cookie: session=Zx81kq')).toBeDefined();
  });

  it('hides the password of -u user:password and --user user:password', () => {
    expect(maskSecretsInText('curl -u admin:CuRlPw42 https://api.example.com')).toBe(
      'curl -u admin:*** https://api.example.com',
    );
    expect(maskSecretsInText('curl --user=bot:Xy9 https://h')).toBe('curl --user=bot:*** https://h');
    expect(maskSecretsInText('curl -u admin https://h')).toBe('curl -u admin https://h');
  });
});
