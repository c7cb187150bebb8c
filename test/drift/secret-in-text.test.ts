/**
 * Secrets written inside longer text values that drift printed as they were: a JAAS line whose
 * `password=` follows the word `required` (read as the name "required password", which only
 * describes a password), an HTTP header line (`X-Api-Key: …`), curl's `-u user:password`, and passwords that tools (mysql, sshpass, redis-cli…) take by a short option.
 */
import { describe, expect, it } from 'vitest';
import { maskSecretsInText, secretInValue, secretListItems } from '../../src/text/secret-detector.js';

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

describe('passwords given by a short option of the tool that takes them', () => {
  it('hides the attached -p of the MySQL and MariaDB clients and nothing else of the line', () => {
    expect(maskSecretsInText('mysql -uroot -phunter2 -h db orders')).toBe('mysql -uroot -p*** -h db orders');
    expect(maskSecretsInText('/usr/bin/mysqldump -u app "-pMy Pw" shop')).not.toContain('My Pw');
    expect(maskSecretsInText("mariadb-dump -u app -p's3cr3t!' shop")).not.toContain('s3cr3t!');
    // `-p` alone prompts; the next word is the database, and a capital P is the port.
    expect(maskSecretsInText('mysql -u root -p orders')).toBe('mysql -u root -p orders');
    expect(maskSecretsInText('mysql -h db -P3306 -u ro')).toBe('mysql -h db -P3306 -u ro');
    expect(maskSecretsInText('mysql -u root -p$MYSQL_PWD orders')).toBe('mysql -u root -p$MYSQL_PWD orders');
  });

  it('hides sshpass -p, redis-cli -a, mongosh -p, ldapsearch -w, sqlcmd -P and docker login -p', () => {
    expect(maskSecretsInText('sshpass -p Sh4rP4ss ssh deploy@h')).toBe('sshpass -p *** ssh deploy@h');
    expect(maskSecretsInText('sshpass -pSh4rP4ss ssh h')).toBe('sshpass -p*** ssh h');
    expect(maskSecretsInText('redis-cli -h cache -a R3disPw ping')).toBe('redis-cli -h cache -a *** ping');
    expect(maskSecretsInText('mongosh --host m -u admin -p M0ngoPw')).toBe(
      'mongosh --host m -u admin -p ***',
    );
    expect(maskSecretsInText('ldapsearch -x -D cn=admin -w LdPw9 -b dc=x')).toBe(
      'ldapsearch -x -D cn=admin -w *** -b dc=x',
    );
    expect(maskSecretsInText('sqlcmd -S db -U sa -P Sql!Pw1 -Q "select 1"')).toBe(
      'sqlcmd -S db -U sa -P *** -Q "select 1"',
    );
    expect(maskSecretsInText('docker login -u ci -p DkPw42 registry.example')).toBe(
      'docker login -u ci -p *** registry.example',
    );
    // Elsewhere the same letters mean other things: docker publishes a port, ssh takes one.
    expect(maskSecretsInText('docker run -p 8080:80 web')).toBe('docker run -p 8080:80 web');
    expect(maskSecretsInText('ssh -p 2222 h; redis-cli ping')).toBe('ssh -p 2222 h; redis-cli ping');
  });

  it('hides openssl pass: arguments and smbclient user%password', () => {
    expect(maskSecretsInText('openssl pkcs12 -in a.p12 -passin pass:S3cr3t -nokeys')).toBe(
      'openssl pkcs12 -in a.p12 -passin pass:*** -nokeys',
    );
    expect(maskSecretsInText('openssl pkcs12 -passin env:P12_PW -in a')).toBe(
      'openssl pkcs12 -passin env:P12_PW -in a',
    );
    expect(maskSecretsInText('smbclient //h/share -U bob%SmbPw1 -c ls')).toBe(
      'smbclient //h/share -U bob%*** -c ls',
    );
  });

  it('sees a command written as a list: the item holding the password is secret', () => {
    expect(secretListItems(['mysql', '-uroot', '-phunter2', 'orders'])).toEqual(new Set([2]));
    expect(secretListItems(['sshpass', '-p', 'Sh4rP4ss', 'ssh', 'h'])).toEqual(new Set([2]));
    expect(secretListItems(['curl', '-u', 'admin:CuRlPw42', 'https://h'])).toEqual(new Set([2]));
    expect(secretListItems(['docker', 'run', '-p', '8080:80', 'web'])).toEqual(new Set());
  });
});
