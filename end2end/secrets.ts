// Secret hygiene: after the browser suite, no secret issued during the run
// may be found in plaintext in the servers' logs (debug level) or in their
// database files. Secrets are found two ways:
// - by shape: the development providers prefix what they issue (`dev_at_`,
//   `dev_rt_`, `dev_dc_` device codes, `dev_ac_` authorization codes), the
//   tests paste made-up keys of `FAKE…`, import codes look like `BCDF-GHJK-LMNP`,
//   and session tokens are JWTs;
// - by value, from the ledger the tests' fixture writes: every session
//   cookie and OAuth state a browser held, every key a development
//   provider's console issued to a test, and every PKCE challenge sent to a
//   provider, whose verifier is then recognised by hashing candidates.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Entry = { kind: 'session' | 'state' | 'challenge' | 'key'; value: string };

/** Appends to the run's ledger (its path is set by the global setup). */
export function remember(kind: Entry['kind'], value: string) {
  const ledger = process.env.RELAY_E2E_LEDGER;
  if (ledger && value) appendFileSync(ledger, JSON.stringify({ kind, value }) + '\n');
}

const shapes: [string, RegExp][] = [
  ['development access token', /dev_at_[A-Za-z0-9]{20,}/g],
  ['development refresh token', /dev_rt_[A-Za-z0-9]{20,}/g],
  ['development device code', /dev_dc_[A-Za-z0-9]{20,}/g],
  ['development authorization code', /dev_ac_[A-Za-z0-9]{20,}/g],
  ['pasted API key', /(FAKE){6}/g],
  ['import code', /\b[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}\b/g],
  ['session token (JWT)', /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/g],
];

export type Finding = { what: string; where: string; sample: string };

/** Every plaintext secret in `text`; `where` names the file. */
export function findSecrets(text: string, where: string, ledger: Entry[]): Finding[] {
  const found: Finding[] = [];
  const note = (what: string, secret: string) =>
    // Only a prefix is printed: the report must not become the leak.
    found.push({ what, where, sample: `${secret.slice(0, 10)}…` });
  for (const [what, shape] of shapes) {
    for (const match of text.matchAll(shape)) note(what, match[0]);
  }
  for (const { kind, value } of ledger) {
    if (kind !== 'challenge' && value.length >= 16 && text.includes(value)) note(kind, value);
  }
  // A PKCE verifier (43 characters of base64url from the oauth2 crate) is
  // known only by its challenge: hash every 43-character window of base64url.
  const challenges = new Set(ledger.filter((e) => e.kind === 'challenge').map((e) => e.value));
  if (challenges.size) {
    for (const run of text.matchAll(/[A-Za-z0-9_~.-]{43,}/g)) {
      for (let at = 0; at + 43 <= run[0].length; at++) {
        const candidate = run[0].slice(at, at + 43);
        const challenge = createHash('sha256').update(candidate).digest('base64url');
        if (challenges.has(challenge)) note('PKCE verifier', candidate);
      }
    }
  }
  return found;
}

export function readLedger(path: string): Entry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Entry);
}

/** Files to scan: logs, and every file of the data directories but the master key. */
export function filesIn(dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name !== 'master.key')
      .map((name) => join(dir, name))
      .filter((path) => statSync(path).isFile()),
  );
}

/** Scans `files` (as bytes read as Latin-1, so binary database pages are searchable). */
export function scan(files: string[], ledger: Entry[]) {
  let bytes = 0;
  const findings: Finding[] = [];
  for (const file of files) {
    const raw = readFileSync(file).toString('latin1');
    // pg_dump writes bytea as hex (`\\x6162…`): scan those bytes decoded too.
    const decoded = file.endsWith('.sql')
      ? [...raw.matchAll(/\\x((?:[0-9a-f]{2})+)/g)].map((hex) => Buffer.from(hex[1], 'hex').toString('latin1'))
      : [];
    const text = [raw, ...decoded].join('\n');
    bytes += text.length;
    findings.push(...findSecrets(text, file, ledger));
  }
  return { bytes, findings };
}
