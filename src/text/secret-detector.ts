/**
 * The one secret detector: which key names hold secrets, which values look like secrets whatever
 * their key, and how to mask secrets inside text (URLs, messages, logs). Drift reports, error
 * messages and logs all ask it; no other list of secret words exists in the codebase (drift's
 * classifier builds its security words on top of this one).
 *
 * Pure (no I/O, no clock, no hashing): error messages are masked with it in `src/errors.ts`, which
 * the decision core reaches. Hashing of secret values lives at the edge (`secret-hash.ts`).
 *
 * Sources for the lists: gitleaks' `config/gitleaks.toml` (the generic-api-key keywords and the
 * provider rules) and detect-secrets' `KeywordDetector` deny list and provider plugins, plus the
 * names of issue 13 (`list_of_passwords`, `PASSWORDS`, `mysecret`, `db_pass`, `pass`, `pw`, `jwt`,
 * `bearer`, `authorization`, `auth_header`, `hmac`, `sig`, `id_rsa`, `otp_seed`).
 */

/**
 * Letters of other scripts that look like Latin ones, as a key's author may type them by accident
 * (a Russian keyboard layout) or on purpose (`раssword` with Cyrillic р and а hid its value):
 * Cyrillic, Greek, Armenian and IPA look-alikes, after Unicode's confusables.txt (UTS #39), cut to
 * the letters a secret word can hold. A small table rather than a dependency carrying Unicode's
 * whole confusables table (skeletons of any text): key words need only these letters, and a
 * reviewer can read them at a glance. Cyrillic letters are folded in both cases alike (`н` and `Н` to h), so that
 * the Cyrillic secret words below, folded the same way, are found in either case.
 */
const LOOK_ALIKE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  // Cyrillic, both cases: а в е к м н о р с т у х ѕ і ј ԁ ԛ ԝ һ ӏ.
  ...[...'авекмнорстухѕіјԁԛԝһӏ'].flatMap((letter, index) => {
    const latin = 'abekmhopctyxsijdqwhl'[index]!;
    return [
      [letter, latin],
      [letter.toUpperCase(), latin.toUpperCase()],
    ] as const;
  }),
  // Greek, each case as it looks.
  ...[...'αΑΒεΕΖΗιΙκΚΜΝνοΟρΡτΤυΥχΧϲϹϳ'].map(
    (letter, index) => [letter, 'aABeEZHiIkKMNvoOpPtTuYxXcCj'[index]!] as const,
  ),
  // Armenian and IPA letters, and the dotless i and j.
  ...[...'օսհոɑɡɩıȷ'].map((letter, index) => [letter, 'ouhnagiij'[index]!] as const),
];
const LOOK_ALIKES = new Map(LOOK_ALIKE_PAIRS);
const LOOK_ALIKE = new RegExp(`[${[...LOOK_ALIKES.keys()].join('')}]`, 'gu');

/** Characters that show nothing (zero-width space and joiners, soft hyphen): `pass\u200Bword`. */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * `name` with compatibility forms (full-width `ｐａｓｓ`, half-width katakana) and accents folded
 * (`contraseña` → contrasena, `hasło` → haslo) and invisible characters dropped.
 */
function foldMarks(name: string): string {
  return name
    .replace(INVISIBLE, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
}

function foldEveryLookAlike(text: string): string {
  return text.replace(LOOK_ALIKE, (letter) => LOOK_ALIKES.get(letter)!);
}

/**
 * Look-alike letters of other scripts read as the Latin ones they look like, in each word that
 * holds a Latin letter (`раssword`) or only look-alikes (`ТОКЕN`). A word of another script with
 * letters of its own (`ключевой`, `имя`) is left whole: folded, it would leave Latin scraps (`k`,
 * `ebo`) that a word list could take for a word.
 */
function foldLookAlikes(text: string): string {
  return text.replace(/\p{L}+/gu, (word) => {
    const folded = foldEveryLookAlike(word);
    return folded === word || /^[A-Za-z]+$/.test(folded) || /[A-Za-z]/.test(word) ? folded : word;
  });
}

/**
 * Secret words in scripts that are not Latin, by the English word each reads as: password in
 * Russian, Ukrainian and Bulgarian (`пароль`, as a stem: `пароли`, `паролем`), Chinese (`密码`,
 * `密碼`, `口令`), Japanese (`パスワード`, `暗証番号`), Korean (`비밀번호`), Greek (`συνθηματικό`),
 * Hebrew (`סיסמה`), Arabic (`كلمة المرور`, `كلمة السر`) and Hindi (`पासवर्ड`); token (`токен`,
 * `トークン`, `令牌`) and secret (`секрет`, `秘密`, `密钥`). Found inside longer words, as the
 * English stems are. Latin words of other languages (`Passwort`, `senha`, `contraseña`) are in the
 * lists below. Key (`ключ`, `키`) is left out: standing inside other words (`ключевой`, key-word) it
 * would hide plain values, and as a short whole word it is too rare in configs to be worth it.
 */
const OTHER_SCRIPT_WORDS: Readonly<Record<'password' | 'token' | 'secret', readonly string[]>> = {
  password: [
    'парол',
    '密码',
    '密碼',
    '口令',
    'パスワード',
    '暗証番号',
    '비밀번호',
    'συνθηματικό',
    'סיסמה',
    'סיסמא',
    'كلمة المرور',
    'كلمة السر',
    'पासवर्ड',
  ],
  token: ['токен', 'トークン', '令牌'],
  secret: ['секрет', '秘密', '密钥', '密鑰'],
};

/** One pattern for each English word, finding its words in either case, written with `fold` applied. */
function otherScriptPatterns(fold: (word: string) => string): Array<{ english: string; pattern: RegExp }> {
  return Object.entries(OTHER_SCRIPT_WORDS).map(([english, words]) => ({
    english,
    pattern: new RegExp(words.map((word) => fold(word).replace(/\s+/g, '\\s*')).join('|'), 'giu'),
  }));
}
const OTHER_SCRIPT_AS_WRITTEN = otherScriptPatterns(foldMarks);
// Every look-alike of a word folded: a word mixing scripts (`пaроль` with a Latin a) is folded whole.
const OTHER_SCRIPT_FOLDED = otherScriptPatterns((word) => foldEveryLookAlike(foldMarks(word)));

/**
 * The lower-case words of a key: split on `_ - . / space`, camelCase and digit boundaries
 * (`DB_PASSWORD` → db, password; `apiKey` → api, key; `HTTPToken` → http, token). Look-alike
 * letters of other scripts read as Latin (`раssword` with Cyrillic р and а → password), and secret
 * words of other scripts as their English word (`пароль_бд` → password; `数据库密码` → password).
 */
export function keyWords(name: string): string[] {
  // Most keys are ASCII: only others have marks to fold, or a word of another script or a look-alike.
  let folded = /[^\x00-\x7f]/.test(name) ? foldMarks(name) : name;
  if (/[^\x00-\x7f]/.test(folded)) {
    for (const { english, pattern } of OTHER_SCRIPT_AS_WRITTEN)
      folded = folded.replace(pattern, `_${english}_`);
    folded = foldLookAlikes(folded);
    for (const { english, pattern } of OTHER_SCRIPT_FOLDED) folded = folded.replace(pattern, `_${english}_`);
  }
  return folded
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/**
 * Words that make a key secret wherever they stand in a path: a map named `secrets` holds secrets
 * all the way down. Also found inside unseparated names (`mysecret`, `listofpasswords`), so
 * `secretary` counts too: hiding a harmless value costs less than printing a password.
 */
const STRONG_STEMS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'credential',
  'contrasena',
  'contrasenya',
  // Password in German (`Passwort`, `Kennwort`), French, Dutch, Swedish, Finnish and Danish.
  'passwort',
  'kennwort',
  'motdepasse',
  'wachtwoord',
  'losenord',
  'salasana',
  'adgangskode',
];

/** Whole words that make a key secret wherever they stand (plurals included). */
const STRONG_WORDS = new Set([
  'creds',
  'cred',
  'token',
  'tokens',
  'apikey',
  'apikeys',
  'privatekey',
  // Password in Portuguese, Norwegian, Czech and Slovak, Polish (`hasło`), Turkish (`şifre`) and
  // Italian: whole words, as their letters stand inside other words.
  'senha',
  'senhas',
  'passord',
  'heslo',
  'hesla',
  'haslo',
  'hasla',
  'sifre',
  'parola',
]);

/**
 * Whole words that make a key secret when they name the value itself (the last words of its key),
 * not a map above it: `/auth/header` is secret, `/auth/provider` under `auth` is not (its value is
 * still hidden when it looks random). Each has been seen holding credentials in real configs.
 */
const LEAF_WORDS = new Set([
  'pass',
  'pw',
  'pwd',
  'pswd',
  'passcode',
  'pin',
  'key',
  'keys',
  'auth',
  'sig',
  'signature',
  'jwt',
  'bearer',
  'authorization',
  'hmac',
  'cookie',
  'cookies',
  'salt',
  'otp',
  'totp',
  'hotp',
  'mfa',
  'dsn',
  'pem',
  'pkcs12',
  'pfx',
  'keystore',
  'truststore',
  'jks',
  'kubeconfig',
  'netrc',
  'htpasswd',
  'sas',
]);

/**
 * Unseparated compounds (the words of a key joined): `id_rsa`, `dbpass`, `accessKey`… Found anywhere
 * in the joined words, so `aws_secret_access_key` and `AWSAccessKeyId` count.
 */
const COMPOUNDS = [
  'apikey',
  'privatekey',
  'privkey',
  'accesskey',
  'secretkey',
  'signingkey',
  'encryptionkey',
  'masterkey',
  'clientkey',
  'sshkey',
  'authkey',
  'servicekey',
  'accountkey',
  'sharedaccesskey',
  'licensekey',
  'idrsa',
  'iddsa',
  'idecdsa',
  'ided25519',
  'otpseed',
  'totpseed',
  'mfaseed',
  'dbpass',
  'dbpw',
  'userpass',
  'adminpass',
  'rootpass',
  'mypass',
  'keypass',
  'storepass',
  'authtoken',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'sessionid',
  'sessionkey',
  'bearertoken',
  'authheader',
  'webhooksecret',
  'connectionstring',
  'connstr',
  'sasl',
  // PostgreSQL's password file, Redis' `requirepass` and `masterauth`.
  'pgpass',
  'requirepass',
  'masterauth',
];

/**
 * Words that say a key describes a secret without holding it: `password_min_length`, `token_ttl`,
 * `max_tokens`, `secret_name`, `password_file`. Their values are shown unless the value itself
 * looks like a secret (a URL with a password still is one).
 */
const META_WORDS = new Set([
  'ttl',
  'timeout',
  'length',
  'len',
  'min',
  'max',
  'count',
  'size',
  'enabled',
  'disabled',
  'enable',
  'required',
  'expiry',
  'expires',
  'expiration',
  'lifetime',
  'age',
  'rotation',
  'policy',
  'file',
  'path',
  'dir',
  'name',
  'names',
  'ref',
  'type',
  'mode',
  'format',
  'algorithm',
  'alg',
  'version',
  'id',
  'url',
  'uri',
  'endpoint',
  'issuer',
  'audience',
  'scope',
  'scopes',
  'header',
  'prefix',
  'env',
  'field',
  'kind',
  'provider',
  'strength',
  'complexity',
  'hint',
  'reset',
  'limit',
  'interval',
  'seconds',
  'minutes',
  'hours',
  'days',
  'ms',
  // An Idempotency-Key names a request, not a credential: its header line, its error messages
  // (`Idempotency-Key: must be visible ASCII …`) and a config key holding one are shown.
  'idempotency',
]);

/** `auth_header`, `sessionId`, `AWSAccessKeyId` hold the secret even though a meta word is in them. */
const META_EXCEPTIONS = [
  'authheader',
  'sessionid',
  'accesskeyid',
  'apikeyid',
  'idrsa',
  'iddsa',
  'idecdsa',
  'ided25519',
];

export type KeyVerdict = 'secret' | 'describes-secret' | 'plain';

function hasStem(joined: string): boolean {
  return STRONG_STEMS.some((stem) => joined.includes(stem));
}

/**
 * What a key name says about its value: `secret` (never show it), `describes-secret` (a setting of
 * a secret, such as its TTL or file path: show it unless the value looks secret) or `plain`.
 * @example secretKeyVerdict('list_of_passwords') // 'secret'
 */
export function secretKeyVerdict(name: string): KeyVerdict {
  const words = keyWords(name);
  if (words.length === 0) return 'plain';
  const joined = words.join('');
  const secretWord =
    hasStem(joined) ||
    words.some((word) => STRONG_WORDS.has(word) || LEAF_WORDS.has(word)) ||
    COMPOUNDS.some((compound) => joined.includes(compound));
  if (!secretWord) return 'plain';
  if (META_EXCEPTIONS.some((exception) => joined.includes(exception))) return 'secret';
  return words.some((word) => META_WORDS.has(word)) ? 'describes-secret' : 'secret';
}

/**
 * The word that makes `name` name secrets wherever it stands (`password`, `secret`, `token`,
 * `credential`, a compound such as `apikey` or `id_rsa`), or undefined. Drift's classifier files
 * such names under security.
 */
export function strongSecretWordIn(name: string): string | undefined {
  const words = keyWords(name);
  const joined = words.join('');
  return (
    STRONG_STEMS.find((stem) => joined.includes(stem)) ??
    words.find((word) => STRONG_WORDS.has(word)) ??
    COMPOUNDS.find((compound) => joined.includes(compound))
  );
}

/** True when a key names a secret value (`db_pass`, `mySecret`, `id_rsa`, `Authorization`). */
export function isSecretKey(name: string): boolean {
  return secretKeyVerdict(name) === 'secret';
}

/**
 * True when a map named `name` holds secrets all the way down (`secrets`, `credentials`, `tokens`),
 * as opposed to a leaf word such as `auth`, whose map may hold plain settings.
 */
export function isSecretContainer(name: string): boolean {
  const words = keyWords(name);
  const joined = words.join('');
  if (words.some((word) => META_WORDS.has(word))) return false;
  return (
    hasStem(joined) ||
    words.some((word) => STRONG_WORDS.has(word)) ||
    COMPOUNDS.some((compound) => joined.includes(compound))
  );
}

/**
 * True when a key is worth a second look: any secret word, as a leaf or a container, or a word
 * such as `key`, `hash`, `nonce`, `seed`, `license`, `webhook`. A random-looking value under such a
 * key is treated as a secret.
 */
export function isSuspiciousKey(name: string): boolean {
  if (secretKeyVerdict(name) !== 'plain') return true;
  return keyWords(name).some((word) => SUSPICIOUS_WORDS.has(word));
}

const SUSPICIOUS_WORDS = new Set([
  'hash',
  'nonce',
  'seed',
  'license',
  'licence',
  'webhook',
  'hook',
  'private',
  'access',
  'session',
  'signing',
  'encryption',
  'client',
  'account',
  'api',
  'code',
  'sentry',
  'secure',
  'fingerprint',
]);

/** A known token format: `name` says which (for tests and docs), `pattern` finds it in text. */
export interface SecretShape {
  name: string;
  pattern: RegExp;
}

/**
 * Known secret formats, after gitleaks' and detect-secrets' provider rules. Each pattern is global
 * and anchored on a distinctive prefix, so it finds the secret inside longer text.
 */
export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    name: 'PEM private key',
    pattern:
      /-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)/g,
  },
  { name: 'JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  {
    name: 'AWS access key id',
    pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b/g,
  },
  { name: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g },
  { name: 'GitLab token', pattern: /\bgl(?:pat|dt|ptt|rt|soat|cbt|imt|agent|oas|ffct)-[A-Za-z0-9_-]{20,}/g },
  { name: 'Slack token', pattern: /\bxox[abposer]-[A-Za-z0-9-]{10,}/g },
  {
    name: 'Slack webhook',
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{20,}/g,
  },
  { name: 'Discord webhook', pattern: /discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,}/g },
  { name: 'Stripe key', pattern: /\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}/g },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { name: 'Google OAuth client secret', pattern: /\bGOCSPX-[A-Za-z0-9_-]{20,}/g },
  { name: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: 'PyPI token', pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}/g },
  { name: 'SendGrid key', pattern: /\bSG\.[A-Za-z0-9_-]{20,24}\.[A-Za-z0-9_-]{39,50}/g },
  { name: 'Twilio key', pattern: /\bSK[0-9a-f]{32}\b/g },
  {
    name: 'OpenAI or Anthropic key',
    pattern: /\bsk-(?:proj-|ant-(?:api|admin)\d\d-|svcacct-)?[A-Za-z0-9_-]{20,}/g,
  },
  { name: 'DigitalOcean token', pattern: /\bdo[opr]_v1_[a-f0-9]{64}\b/g },
  { name: 'Shopify token', pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g },
  { name: 'Mailgun key', pattern: /\bkey-[0-9a-zA-Z]{32}\b/g },
  { name: 'Vault token', pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g },
  { name: 'Doppler token', pattern: /\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}/g },
  { name: 'Square token', pattern: /\b(?:sq0atp|sq0csp|EAAA)[A-Za-z0-9_-]{22,}/g },
  { name: 'Telegram bot token', pattern: /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g },
  { name: 'Databricks token', pattern: /\bdapi[a-f0-9]{32}(?:-\d)?\b/g },
  { name: 'Hugging Face token', pattern: /\bhf_[A-Za-z]{34}\b/g },
  { name: 'age secret key', pattern: /\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/g },
  { name: 'Azure storage key', pattern: /\bAccountKey=[A-Za-z0-9+/]{86}==/g },
  { name: 'Atlassian token', pattern: /\bATATT3[A-Za-z0-9_=-]{100,}/g },
  { name: 'Heroku key', pattern: /\bHRKU-[A-Za-z0-9_-]{60}\b/g },
  { name: 'Grafana token', pattern: /\bglsa_[A-Za-z0-9]{32}_[a-f0-9]{8}\b/g },
  { name: 'Tollgate API token', pattern: /\btg_[a-z0-9]{16}_[A-Za-z0-9_-]{43}/g },
  { name: 'Linear key', pattern: /\blin_api_[A-Za-z0-9]{40}\b/g },
  { name: 'Postman key', pattern: /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b/g },
  { name: 'Pulumi token', pattern: /\bpul-[a-f0-9]{40}\b/g },
  { name: 'New Relic key', pattern: /\bNRAK-[A-Z0-9]{27}\b/g },
  // A credential after the scheme has a digit, `=` padding or a capital inside it, so that prose
  // such as "Basic authentication" is not one.
  {
    name: 'Authorization header',
    pattern: /(?<=\b(?:Bearer|Basic)\s+)(?=[A-Za-z._~+/-]*(?:[0-9=]|[a-z][A-Z]))[A-Za-z0-9._~+/=-]{8,}/g,
  },
];

/**
 * Matches where any of SECRET_SHAPES matches (each pattern's flags are `g` alone, so the sources
 * combine as they are): whether to look for each one.
 */
const ANY_SHAPE = new RegExp(SECRET_SHAPES.map((shape) => `(?:${shape.pattern.source})`).join('|'));

/**
 * A URL's user information: `scheme://user:password@` (redis' `:password@` too) or a token standing
 * as the user (`https://ghp_…@github.com`, Sentry's `https://PUBLIC_KEY@o1.ingest.sentry.io/2`).
 * Groups: 1 scheme and slashes, 2 user, 3 `:password` or undefined.
 */
const URL_USERINFO =
  /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:'"<>]*)(:[^\s/?#@'"<>]*)?@(?=[^\s@/?#'"<>]*[a-z0-9\]])/gi;

/** Go's MySQL DSN: `user:password@tcp(host:3306)/db`. Groups: 1 user, 2 password. */
const MYSQL_DSN = /(^|[\s"'=])([^\s:@/"']+):([^\s@"']+)@(?=(?:tcp|tcp6|unix|udp)\()/g;

/**
 * `name=value` pairs of query strings, connection strings (`;`), libpq DSNs (spaces), command-line
 * options (`--db-password=…`, `-Dspring.datasource.password=…`) and `.npmrc` lines
 * (`//registry.npmjs.org/:_authToken=…`, names starting with `_`).
 *
 * The names of this and the other shapes of config text below take letters beyond Latin
 * (`\u00C0-\u1FFF`, `\u2C00-\uFFEF`), surrogate code units included: a look-alike outside the BMP
 * (mathematical bold `𝐏`, U+1D40F) is two of them, and a name that stopped before it
 * (`DB_𝐏ASSWORD=…` read as `DB_`) was no secret name, while the same key in a map was one
 * (`keyWords` folds it by NFKD).
 */
const PAIR =
  /(^|[?&;\s"'/:-])([A-Za-z_\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][A-Za-z0-9 _.\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]{0,40}?)\s*=\s*('[^']*'|"[^"]*"|[^&;\s"'#]*)/g;

/**
 * A command-line option and its value as two words (`--password hunter2`, `-token 'a b'`): the
 * value of an option named like a secret. Groups: 1 what stands before, 2 the option's name
 * without its dashes, 3 the value (quoted or one word not starting with a dash).
 */
const SPACED_OPTION =
  /(^|\s)--?([A-Za-z\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][A-Za-z0-9_.\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]{0,40})\s+('[^']*'|"[^"]*"|[^\s"'-][^\s"']*)/g;

/**
 * Whether an unquoted word after a secret option in free text reads as its value rather than prose
 * or a file: not a path (`/run/secrets/db`, `cosign.pub`), and holding more than letters or long
 * (`hunter2`, `k3y-v4lue`, a 12-letter word) — "use --token or --oidc" keeps its "or".
 */
function looksLikeOptionValue(text: string): boolean {
  const word = text.replace(/[,;:.!?)\]]+$/, '');
  if (/[/\\]|^[.~]|\.[A-Za-z]{1,5}$/.test(word)) return false;
  return /[^A-Za-z]/.test(word) || word.length >= 12;
}

/**
 * The secret name of a command-line option standing alone as one item of a list (`--password`,
 * `-db-token`), which makes the next item its value; undefined for anything else.
 * @example secretOptionName('--db-password') // 'db-password'
 */
export function secretOptionName(item: unknown): string | undefined {
  if (typeof item !== 'string') return undefined;
  const option =
    /^--?([A-Za-z\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][A-Za-z0-9_.\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]{0,40})$/.exec(
      item,
    );
  return option && isSecretKey(option[1]!) ? option[1] : undefined;
}

/** Query parameter names that carry secrets although no secret word is in them (Azure SAS, AWS). */
const SECRET_PARAMS = new Set(['sig', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token']);

function isSecretPairName(name: string): boolean {
  const trimmed = name.trim();
  if (SECRET_PARAMS.has(trimmed.toLowerCase()) || isSecretKey(trimmed)) return true;
  // A name with spaces may be prose ending in the real name: in a JAAS line `… required
  // password="…"` the match starts at `required`, and "required password" describes a password.
  const last = trimmed.slice(trimmed.lastIndexOf(' ') + 1);
  return last !== trimmed && (SECRET_PARAMS.has(last.toLowerCase()) || isSecretKey(last));
}

/**
 * An HTTP header line with a secret name (`X-Api-Key: …`, `X-Auth-Token: …`, `Cookie: …`) in a
 * value, alone or one line of several. Groups: 1 the name, 2 the value.
 */
const HEADER_LINE =
  /^[ \t]*([A-Za-z\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][A-Za-z0-9\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]{0,60}):[ \t]+([^\r\n]*[^\s])/gm;

/**
 * A YAML line `key: value` whose key may hold `_` and `.` (`db_password: …`, `- admin_password: "…"`,
 * `datasource.password: …`), as a configuration file carried in one value writes it (a ConfigMap's
 * `application.yml`). Groups: 1 what stands before the key (indentation, a list's `- `), 2 the key,
 * 3 the value to the end of the line.
 */
const YAML_LINE =
  /^([ \t]*(?:-[ \t]+)?)([A-Za-z_\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][A-Za-z0-9_.\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]{0,80}):[ \t]+([^\r\n]*[^\s])/dgm;

/** A YAML block scalar's indicator (`|`, `>-`, `|2`), maybe with a comment: its lines follow. */
const BLOCK_INDICATOR = /^[|>][-+1-9]{0,2}(?:[ \t]+#.*)?$/;

/**
 * A JSON (or JavaScript, Python) member `"key": value` with a quoted key (`{"password": "…"}`,
 * `{'api_key': '…'}`), as `appsettings.json` in a ConfigMap writes it. Groups: 2 the key, 3 the
 * value: a quoted string (escapes kept inside) or a number ending the member (`"pin": 4711}`), so
 * that prose quoting a word (`--result "pass": expected passed`) is not read as one.
 */
const JSON_MEMBER =
  /(["'])([A-Za-z_$\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][A-Za-z0-9_.$ \u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]{0,80})\1\s*:\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|-?\d[\d.eE+-]*(?=\s*[,}\]]|\s*$))/dg;

/**
 * An XML element with a secret name and text inside (`<password>…</password>`, Maven's
 * `settings.xml`, `<ns:apiKey>…</ns:apiKey>`, a CDATA section). Groups: 1 the qualified name, 2
 * the local name, 3 the content.
 */
const XML_ELEMENT =
  /<((?:[A-Za-z_\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][\w.\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]*:)?([A-Za-z_\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][\w.\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]*))(?:\s[^<>]*)?>(<!\[CDATA\[[\s\S]*?\]\]>|[^<]+)<\/\1\s*>/dg;

/** .NET's `<add key="ApiKey" value="…"/>`: the value named by its key. Groups: 2 the key, 4 the value. */
const KEY_VALUE_ATTRIBUTES = /\bkey\s*=\s*(["'])([^"'\n]{1,80})\1\s+value\s*=\s*(["'])([^"'\n]*)\3/dgi;

/**
 * A directive and its one value alone on a line, as `redis.conf`, `.netrc` and nginx write them
 * (`requirepass …`, `  password …`, `password "…";`). Groups: 2 the directive, 3 the value.
 */
const DIRECTIVE_LINE =
  /^([ \t]*)([A-Za-z_\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF][A-Za-z0-9_.\u00AD\u00C0-\u1FFF\u200B-\u200D\u2060\u2C00-\uDFFF\uF900-\uFFEF-]{0,80})[ \t]+("[^"\r\n]*"|'[^'\r\n]*'|[^\s"';#]+)[ \t]*;?[ \t]*$/dgm;

/**
 * A line of PostgreSQL's password file, `.pgpass`: `hostname:port:database:username:password`,
 * `\:` and `\\` escaped, `*` matching anything; the password is the rest of the line, as libpq
 * reads it (`passwordFromFile` in `fe-connect.c`). The port is digits or `*`, the first four fields
 * have no spaces, and the host is `*` or holds a letter or a dot, so that a MAC address
 * (`00:11:22:33:44:55`) or a time is not one. Groups: 1 the host, 2 the password.
 */
const PGPASS_LINE =
  /^[ \t]*((?:[^:\\\s#]|\\.)(?:[^:\\\s]|\\.)*):(?:\d{1,5}|\*):(?:[^:\\\s]|\\.)+:(?:[^:\\\s]|\\.)+:([^\r\n]*[^\s])/dgm;

/** A `.netrc` entry: `machine HOST` (or `default`) with a `login`; its `password` follows as a word. */
const NETRC_ENTRY = /(?:^|\s)(?:machine\s+\S+|default)\s[\s\S]*?\blogin\s+\S+/;
const NETRC_PASSWORD = /(?:^|\s)(?:password|account)\s+(\S+)/dg;

/**
 * A name that reads as a file (`ci.key`, `tls.pem`, `secrets.yaml`): at the start of a message
 * line (`ci.key: "ENCRYPTED PRIVATE KEY" is encrypted`) it names the file the message is about,
 * not a setting whose value follows.
 */
function looksLikeFileName(name: string): boolean {
  return /\.(?:key|pem|pub|crt|cer|csr|der|p8|p12|pfx|jks|keystore|asc|gpg|sig|txt|json|ya?ml|env|properties|conf|cfg|ini|toml|xml)$/i.test(
    name,
  );
}

/** Words that carry no credential as a value under a secret name: booleans and null. */
function isNoCredential(value: string): boolean {
  return /^(?:true|false|null|none|~|yes|no|on|off)$/i.test(value);
}

/**
 * Where a YAML block scalar that starts on the line ending at `lineEnd` ends: after its last line
 * indented more than `indent` (blank lines inside it kept).
 */
function blockScalarEnd(text: string, lineEnd: number, indent: number): number {
  let end = lineEnd;
  let at = lineEnd;
  while (at < text.length) {
    const next = text.indexOf('\n', at + 1);
    const lineStop = next < 0 ? text.length : next;
    const line = text.slice(at + 1, lineStop).replace(/\r$/, '');
    if (line.trim() !== '') {
      if ((/^[ \t]*/.exec(line)?.[0].length ?? 0) <= indent) break;
      end = at + 1 + line.length;
    }
    if (next < 0) break;
    at = next;
  }
  return end;
}

/** curl's and many clients' `-u user:password` / `--user user:password`. Group 1: the password. */
const USER_OPTION = /(?:^|\s)(?:-u|--user)(?:\s+|=)['"]?[^\s:'"]+:([^\s'"]+)/g;

/** A value on a command line: quoted, or one word. */
const WORD = String.raw`('[^']*'|"[^"]*"|[^\s'"]+)`;

/** Where a command starts: the line's start, a space, a path's last slash, a shell separator or a quote. */
const COMMAND_START = String.raw`(?:^|[\s/;&|(\`"'])`;

/**
 * Passwords that tools take by a short option, which no secret word names: the MySQL and MariaDB
 * clients' `-pPASSWORD` (attached only: `-p` alone prompts, and the next word is a database),
 * `sshpass -p`, `redis-cli -a`, the MongoDB tools' `-p`, OpenLDAP's `-w`, sqlcmd's and bcp's `-P`,
 * and `-p` after `docker login` and its kin (elsewhere `docker -p` publishes a port). Group 1: the
 * value, the option and its value quoted together as the shell allows (`"-pMy Pw"`). The option
 * must follow its command on the same line, before any `;`, `&` or `|`.
 */
const COMMAND_PASSWORDS: readonly RegExp[] = [
  [
    'mysql(?:dump|admin|import|check|show|pump|slap|binlog|sh)?|mariadb(?:-dump|-admin|-import|-check|-show|-slap)?',
    'p',
    '',
  ],
  ['sshpass', 'p', String.raw`\s*`],
  ['redis-cli|valkey-cli|keydb-cli', 'a', String.raw`\s+`],
  ['mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport|mongostat|mongotop', 'p', String.raw`\s+`],
  ['ldap(?:search|add|modify|delete|modrdn|compare|whoami|passwd|exop)', 'w', String.raw`\s*`],
  ['sqlcmd|bcp', 'P', String.raw`\s*`],
  [
    String.raw`(?:docker|podman|nerdctl|buildah|skopeo|oras|finch)\s+login|helm\s+registry\s+login`,
    'p',
    String.raw`\s*`,
  ],
].map(
  ([commands, option, gap]) =>
    new RegExp(
      String.raw`${COMMAND_START}(?:${commands})(?=[\s"'])[^\n;&|]*?\s(?:"-${option}${gap}([^"]*)"|'-${option}${gap}([^']*)'|-${option}${gap}${WORD})`,
      'dg',
    ),
);

/**
 * openssl's `-pass pass:…`, `-passin pass:…`, `-passout pass:…`, smbclient's `-U user%password`,
 * and Oracle's `user/password` logon: in a JDBC URL (`jdbc:oracle:thin:scott/tiger@db:1521:ORCL`,
 * the form Oracle's JDBC guide documents) and as the logon argument of its tools (`sqlplus
 * scott/tiger@orcl`, `expdp system/pw directory=…`; a word with `=` before the slash is a
 * parameter such as `file=/tmp/x.dmp`, not a user). Group 1: the password.
 */
const INLINE_PASSWORDS: readonly RegExp[] = [
  /(?:^|\s)-pass(?:in|out)?\s+['"]?pass:([^\s'"]+)/dg,
  new RegExp(
    String.raw`${COMMAND_START}smbclient(?=\s)[^\n;&|]*?\s(?:-U|--user)(?:\s+|=)['"]?[^\s%'"]+%([^\s'"]+)`,
    'dg',
  ),
  /\bjdbc:oracle:(?:thin|oci8?|kprb):[^\s/@:"']+\/("[^"\n]*"|[^\s@"']+)@/dg,
  new RegExp(
    String.raw`${COMMAND_START}(?:sqlplus|rman|expdp|impdp|exp|imp|sqlldr|dgmgrl)(?=\s)[^\n;&|]*?\s['"]?[^\s/@'"=-][^\s/@'"=]*\/("[^"\n]*"|[^\s@'"]+)`,
    'dg',
  ),
];

const PASSWORD_OPTIONS = [...COMMAND_PASSWORDS, ...INLINE_PASSWORDS];
/** One cheap look for any of the tools above, before their patterns run. */
const PASSWORD_TOOLS =
  /-pass|mysql|mariadb|sshpass|-cli|mongo|ldap|sqlcmd|bcp|login|smbclient|oracle|sqlplus|rman|exp|imp|sqlldr|dgmgrl/;

/** A shell variable standing for the value (`-p$MYSQL_PWD`, `-p"$PW"`): no secret is written there. */
function isVariable(value: string): boolean {
  return /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value);
}

/**
 * Stand-ins that hold no secret: an upper-case placeholder in documentation
 * (`postgres://USER:PASSWORD@HOST`), an already masked value, or a reference resolved elsewhere
 * (`${DB_PASSWORD}`, `$(cat /run/secrets/db)`, `{{ .Values.password }}`).
 */
export function isPlaceholder(value: string): boolean {
  return (
    /^(?:PASSWORD|PASS|PW|PWD|SECRET|TOKEN|KEY|USER|VALUE|VAL|V|value|\*+|x+|X+|<[^<>]*>)$/.test(value) ||
    /^(?:\$\{[^{}]*\}|\$\([^()]*\)|\{\{[^{}]*\}\}|%\([^()]*\)s)$/.test(value)
  );
}

/** What a finding is, for messages: the kind of secret, never the secret. */
export interface SecretFinding {
  kind: string;
  /** Start and end of the secret characters in the text. */
  start: number;
  end: number;
}

/**
 * Every secret inside `text`: known token formats, PEM private keys, JWTs, credentials in URLs,
 * secret query parameters, `Password=` in connection strings, `--password VALUE` in commands. Overlaps are kept; callers mask
 * each range.
 */
export function findSecrets(text: string): SecretFinding[] {
  const found: SecretFinding[] = [];
  // Most text holds no token (a drift report asks for every segment of every path): one pass of
  // all the shapes at once says so, where looking for each shape in turn cost ~25 times as much.
  if (ANY_SHAPE.test(text)) {
    for (const shape of SECRET_SHAPES) {
      for (const match of text.matchAll(shape.pattern)) {
        found.push({ kind: shape.name, start: match.index, end: match.index + match[0].length });
      }
    }
  }
  // A credential in a URL or a DSN stands before an `@`.
  if (text.includes('@')) {
    for (const match of text.matchAll(URL_USERINFO)) {
      const user = match[2] ?? '';
      const password = match[3];
      const userStart = match.index + match[1]!.length;
      if (password !== undefined && password.length > 1 && !isPlaceholder(decodeLoosely(password.slice(1)))) {
        found.push({
          kind: 'password in a URL',
          start: userStart,
          end: userStart + user.length + password.length,
        });
      } else if (user !== '' && looksRandom(decodeLoosely(user), 16)) {
        found.push({ kind: 'token in a URL', start: userStart, end: userStart + user.length });
      }
    }
    for (const match of text.matchAll(MYSQL_DSN)) {
      const start = match.index + match[1]!.length;
      found.push({ kind: 'password in a DSN', start, end: start + match[2]!.length + 1 + match[3]!.length });
    }
  }
  if (text.includes('=')) {
    for (const match of text.matchAll(PAIR)) {
      const value = match[3] ?? '';
      const bare = value.replace(/^(['"])(.*)\1$/s, '$2');
      if (bare === '' || isPlaceholder(bare) || !isSecretPairName(match[2]!)) continue;
      const end = match.index + match[0].length;
      // `<add key="ApiKey" value="…"/>`: `key=` holds a name; the value is judged by it below.
      if (match[2]!.trim().toLowerCase() === 'key' && /^\s+value\s*=/i.test(text.slice(end))) continue;
      found.push({ kind: `${match[2]!.trim()}=`, start: end - value.length, end });
    }
    for (const match of text.matchAll(KEY_VALUE_ATTRIBUTES)) {
      const value = match[4]!;
      if (value === '' || isPlaceholder(value) || !isSecretPairName(match[2]!)) continue;
      const [start, end] = match.indices![4]!;
      found.push({ kind: `${match[2]}`, start, end });
    }
  }
  if (text.includes(': ') || text.includes(':\t')) {
    for (const match of text.matchAll(HEADER_LINE)) {
      // The scheme of `Authorization: Bearer …` stays readable, as the Authorization-header shape leaves it.
      const value = match[2]!.replace(/^(?:Bearer|Basic|Digest|Token|Bot)\s+/i, '');
      if (isPlaceholder(value) || !isSecretKey(match[1]!)) continue;
      const end = match.index + match[0].length;
      found.push({ kind: `${match[1]}:`, start: end - value.length, end });
    }
  }
  findConfigTextSecrets(text, found);
  if (text.includes('<') && text.includes('</')) {
    for (const match of text.matchAll(XML_ELEMENT)) {
      const content = match[3]!;
      const bare = content.replace(/^<!\[CDATA\[([\s\S]*)\]\]>$/, '$1').trim();
      if (bare === '' || isPlaceholder(bare) || isNoCredential(bare) || !isSecretKey(match[2]!)) continue;
      const [start, end] = match.indices![3]!;
      found.push({ kind: `<${match[1]}>`, start, end });
    }
  }
  if (text.includes('-u')) {
    for (const match of text.matchAll(USER_OPTION)) {
      const password = match[1]!;
      if (isPlaceholder(password)) continue;
      const end = match.index + match[0].length;
      found.push({ kind: '--user user:password', start: end - password.length, end });
    }
  }
  if (PASSWORD_TOOLS.test(text)) {
    for (const pattern of PASSWORD_OPTIONS) {
      for (const match of text.matchAll(pattern)) {
        // The first group that took part: the value inside quotes, or the word as written.
        const group = match.findIndex((value, index) => index > 0 && value !== undefined);
        const value = match[group]!;
        const bare = value.replace(/^(['"])(.*)\1$/s, '$2');
        if (bare === '' || bare.startsWith('-') || isPlaceholder(bare) || isVariable(bare)) continue;
        const [start, end] = match.indices![group]!;
        found.push({ kind: 'a password option', start, end });
      }
    }
  }
  if (text.includes('-') && /\s/.test(text)) {
    for (const match of text.matchAll(SPACED_OPTION)) {
      const value = match[3]!;
      const bare = value.replace(/^(['"])(.*)\1$/s, '$2');
      if (bare === '' || isPlaceholder(bare) || !isSecretKey(match[2]!)) continue;
      if (bare === value && !looksLikeOptionValue(bare)) continue;
      const end = match.index + match[0].length;
      found.push({ kind: `--${match[2]}`, start: end - value.length, end });
    }
  }
  return found;
}

/** Secret directives alone on a line (`requirepass …`), `.pgpass` lines and `.netrc` passwords. */
function findDirectives(text: string, found: SecretFinding[]): void {
  for (const match of text.matchAll(DIRECTIVE_LINE)) {
    if (!isSecretKey(match[2]!) || looksLikeFileName(match[2]!)) continue;
    const value = match[3]!;
    const quoted = /^(['"])(.*)\1$/s.exec(value);
    const bare = quoted?.[2] ?? value;
    // A path names where the secret is kept (`ssl_certificate_key /etc/ssl/k.pem`), not the secret.
    if (bare === '' || isPlaceholder(bare) || isNoCredential(bare) || (!quoted && /^[/.~]|[/\\]/.test(bare)))
      continue;
    const [start, end] = match.indices![3]!;
    found.push({ kind: `${match[2]} …`, start: quoted ? start + 1 : start, end: quoted ? end - 1 : end });
  }
  for (const match of text.matchAll(PGPASS_LINE)) {
    const host = match[1]!;
    if (host !== '*' && !/[A-Za-z.]/.test(host)) continue;
    if (isPlaceholder(match[2]!)) continue;
    const [start, end] = match.indices![2]!;
    found.push({ kind: '.pgpass password', start, end });
  }
  if (NETRC_ENTRY.test(text)) {
    for (const match of text.matchAll(NETRC_PASSWORD)) {
      const [start, end] = match.indices![1]!;
      found.push({ kind: '.netrc password', start, end });
    }
  }
}

/**
 * Secrets in a configuration file written inside a value: YAML lines whose secret key has `_` or
 * `.` (or starts a block scalar), and JSON members with a secret key. Booleans, null and
 * placeholders (`${DB_PASSWORD}`) carry none.
 */
function findConfigTextSecrets(text: string, found: SecretFinding[]): void {
  const colon = text.includes(':');
  if (colon || /[ \t]/.test(text)) findDirectives(text, found);
  if (!colon) return;
  for (const match of text.matchAll(YAML_LINE)) {
    if (!isSecretKey(match[2]!) || looksLikeFileName(match[2]!)) continue;
    const [valueStart, lineEnd] = match.indices![3]!;
    const value = match[3]!;
    if (BLOCK_INDICATOR.test(value)) {
      const end = blockScalarEnd(text, lineEnd, match[1]!.length);
      if (end > lineEnd) found.push({ kind: `${match[2]}:`, start: valueStart, end });
      continue;
    }
    const quoted = /^(['"])(.*)\1$/s.exec(value);
    const bare = (quoted?.[2] ?? value).replace(/^(?:Bearer|Basic|Digest|Token|Bot)\s+/i, '');
    if (bare === '' || isPlaceholder(bare) || isNoCredential(bare)) continue;
    const end = lineEnd - (quoted ? 1 : 0);
    found.push({ kind: `${match[2]}:`, start: end - bare.length, end });
  }
  for (const match of text.matchAll(JSON_MEMBER)) {
    if (!isSecretKey(match[2]!)) continue;
    const value = match[3]!;
    const quoted = /^(['"])(.*)\1$/s.exec(value);
    const bare = quoted?.[2] ?? value;
    if (bare === '' || isPlaceholder(bare) || (!quoted && isNoCredential(bare))) continue;
    const [start, end] = match.indices![3]!;
    found.push({ kind: `"${match[2]}":`, start: quoted ? start + 1 : start, end: quoted ? end - 1 : end });
  }
}

/**
 * The items of a command written as a list (`[mysql, -uroot, -phunter2]`, `[curl, -u, admin:pw]`,
 * `[sshpass, -p, hunter2, ssh, h]`) that hold a secret when the list is read as one command line:
 * the list's words joined by spaces, every item a secret overlaps marked. A map or list among the
 * items ends the line there.
 */
export function secretListItems(items: readonly unknown[]): Set<number> {
  const secret = new Set<number>();
  if (items.length < 2) return secret;
  const starts: number[] = [];
  let text = '';
  for (const item of items) {
    starts.push(text.length);
    const word = typeof item === 'string' || typeof item === 'number' ? String(item) : '';
    text += `${word.replace(/\n/g, ' ')}${word === '' ? '\n' : ' '}`;
  }
  for (const finding of findSecrets(text)) {
    for (let index = 0; index < items.length; index++) {
      const end = index + 1 < starts.length ? starts[index + 1]! - 1 : text.length;
      if (finding.start < end && finding.end > starts[index]!) secret.add(index);
    }
  }
  return secret;
}

function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The mark left where a secret was. */
export const MASK = '***';

/**
 * `text` with every secret `findSecrets` finds replaced by `***`: for error messages, logs and
 * anything printed that may quote a URL or a file. A URL keeps its user name only when no token
 * stands there; the password always goes.
 * @example maskSecretsInText('postgres://app:hunter2@db/app?sslmode=require') // 'postgres://***@db/app?sslmode=require'
 */
export function maskSecretsInText(text: string): string {
  if (text.length === 0) return text;
  const found = findSecrets(text);
  if (found.length === 0) return text;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const finding of found) {
    if (finding.end <= at) continue;
    out += text.slice(at, Math.max(at, finding.start)) + (finding.start >= at ? MASK : '');
    at = finding.end;
  }
  return out + text.slice(at);
}

/**
 * A URL for printing: user information replaced by `***` and the values of secret query
 * parameters (`api_key`, `token`, `sig`, `password`…) by `***`. Text that is not a URL is masked
 * as any text is (never echoed as it came).
 * @example maskUrl('https://u:p@prom.example/?token=abc&x=1') // 'https://***@prom.example/?token=***&x=1'
 */
export function maskUrl(url: string): string {
  const userinfo = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i.exec(url);
  const masked = userinfo ? `${userinfo[1]}${MASK}@${url.slice(userinfo[0].length)}` : url;
  return maskSecretsInText(masked);
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  const length = [...text].length;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * True when a string looks like random key material: at least `minLength` characters of one
 * token alphabet (base64, base64url, hex), letters and digits mixed, and entropy near what random
 * text of that alphabet has (hex ≥ 3.0 bits a character, others ≥ 3.5; detect-secrets' limits are
 * 3.0 and 4.5 for whole strings, which misses shorter keys).
 */
export function looksRandom(text: string, minLength = 16): boolean {
  if (text.length < minLength || text.length > 4096) return false;
  if (!/^[A-Za-z0-9+/=_.~-]+$/.test(text)) return false;
  if (!/[0-9]/.test(text) || !/[A-Za-z]/.test(text)) return false;
  const entropy = shannonEntropy(text);
  if (/^[0-9a-fA-F]+$/.test(text)) return text.length >= 20 && entropy >= 3.0;
  return entropy >= 3.5;
}

/**
 * Why a string value must not be shown whatever its key, or undefined: a known token format, a
 * PEM private key, a JWT, credentials in a URL or DSN, a secret query parameter or connection
 * string field.
 */
export function secretInValue(value: string): string | undefined {
  return findSecrets(value)[0]?.kind;
}
