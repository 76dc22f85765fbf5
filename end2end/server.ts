// Starts the release build of the server once for the whole run: free ports,
// a temporary data directory, and the site built by `cargo leptos build --release`.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { filesIn, findSecrets, readLedger, scan } from './secrets';

const root = resolve(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function waitForHealth(url: string, child: { exitCode: number | null }) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay-server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`relay-server did not answer ${url}/healthz within 30 s`);
}

export default async function globalSetup() {
  const binary = process.env.RELAY_SERVER_BIN ?? join(root, 'target/release/relay-server');
  const siteRoot = process.env.LEPTOS_SITE_ROOT ?? join(root, 'target/site');
  // A release build names its files after their content, listed in hash.txt beside the binary.
  for (const path of [binary, join(dirname(binary), 'hash.txt'), join(siteRoot, 'pkg')]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`cargo leptos build --release --precompress\` first (scripts/test does)`);
  }
  // Logs (debug level) and the ledger of secrets seen by the browsers stay
  // here after the run: the scan below reads them.
  // (Not under test-results/, which Playwright empties as the tests start.)
  const runDir = join(root, 'end2end', 'server-logs');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  process.env.RELAY_E2E_LEDGER = join(runDir, 'ledger.jsonl');
  writeFileSync(process.env.RELAY_E2E_LEDGER, '');
  // The main server, and one whose device codes expire in seconds (for "Code Expired").
  const main = await startServer(binary, siteRoot, runDir, 'main', {});
  const short = await startServer(binary, siteRoot, runDir, 'short', { RELAY_DEV_DEVICE_EXPIRES_IN: '6' });
  process.env.RELAY_URL = main.url;
  process.env.RELAY_DEV_PROVIDERS_URL = main.devUrl;
  process.env.RELAY_SHORT_URL = short.url;
  const interop = await startInterop(binary, siteRoot, runDir);
  process.env.RELAY_INTEROP_URL = interop.relay.url;
  process.env.RELAY_OIDC_GOOGLE = interop.google.issuer;
  process.env.RELAY_OIDC_MICROSOFT = interop.microsoft.issuer;

  return async () => {
    const servers = [main, short, interop.relay];
    await Promise.all(servers.map((s) => s.stop()));
    interop.google.stop();
    interop.microsoft.stop();
    try {
      checkSecretHygiene(runDir, servers);
    } finally {
      servers.forEach((s) => rmSync(s.dataDir, { recursive: true, force: true }));
    }
  };
}

/**
 * A Relay whose Google and Microsoft are oidc-provider, the certified
 * OpenID server (end2end/oidc/provider.mjs), by configuration only: Google
 * by discovery (`RELAY_GOOGLE_ISSUER`), Microsoft by endpoint URLs (at an
 * instance whose device codes last 10 s, for "Code Expired"). Access tokens
 * last 60 s there, so every use refreshes (and rotates) first; Google's
 * answers the first poll of each device code with slow_down (RFC 8628 §3.5).
 */
async function startInterop(binary: string, siteRoot: string, runDir: string) {
  const port = await freePort();
  const relayUrl = `http://127.0.0.1:${port}`;
  const google = await startOidc(relayUrl, runDir, 'oidc-google', ['--access-ttl', '60', '--slow-down-first']);
  const microsoft = await startOidc(relayUrl, runDir, 'oidc-microsoft', ['--access-ttl', '60', '--device-ttl', '10']);
  const m = microsoft.issuer;
  const relay = await startServer(binary, siteRoot, runDir, 'interop', {
    RELAY_DEV_PROVIDERS: 'on', // GitHub (sign-in) and the others stay the development ones
    RELAY_GOOGLE_CLIENT_ID: google.clients.google.client_id,
    RELAY_GOOGLE_CLIENT_SECRET: google.clients.google.client_secret,
    RELAY_GOOGLE_ISSUER: google.issuer,
    RELAY_MICROSOFT_CLIENT_ID: microsoft.clients.microsoft.client_id,
    RELAY_MICROSOFT_CLIENT_SECRET: microsoft.clients.microsoft.client_secret,
    RELAY_MICROSOFT_AUTH_URL: `${m}/auth`,
    RELAY_MICROSOFT_TOKEN_URL: `${m}/token`,
    RELAY_MICROSOFT_DEVICE_URL: `${m}/device/auth`,
    RELAY_MICROSOFT_USERINFO_URL: `${m}/me`,
    RELAY_MICROSOFT_REVOKE_URL: `${m}/token/revocation`,
  }, port);
  return { relay, google, microsoft };
}

type Oidc = { issuer: string; clients: Record<string, { client_id: string; client_secret: string }>; stop: () => void };

async function startOidc(relayUrl: string, runDir: string, name: string, args: string[]): Promise<Oidc> {
  const logFd = openSync(join(runDir, `${name}.log`), 'w');
  const child = spawn(process.execPath, [join(root, 'end2end/oidc/provider.mjs'), '--relay-url', relayUrl, ...args], {
    stdio: ['ignore', 'pipe', logFd],
  });
  closeSync(logFd);
  const line = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) done(out.split('\n')[0]);
    });
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code} (see ${runDir}/${name}.log)`)));
  });
  return { ...JSON.parse(line), stop: () => child.kill('SIGTERM') };
}

/**
 * With `RELAY_E2E_POSTGRES_URL` (a cluster's URL; scripts/test's second
 * browser run), each server gets a fresh database of its own there.
 */
function postgresDatabase(name: string): string | undefined {
  const cluster = process.env.RELAY_E2E_POSTGRES_URL;
  if (!cluster) return undefined;
  const database = `relay_e2e_${name}_${Date.now()}`;
  execFileSync(pgBin('psql'), [cluster, '-q', '-c', `CREATE DATABASE ${database}`]);
  const url = new URL(cluster);
  url.pathname = `/${database}`;
  return url.toString();
}

function pgBin(tool: string): string {
  const dirs = ['/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
  return dirs.map((dir) => join(dir, tool)).find(existsSync) ?? tool;
}

/** Fails the run if any secret of the run is in a log or a database file in plaintext. */
function checkSecretHygiene(runDir: string, servers: { dataDir: string; log: string }[]) {
  const ledger = readLedger(process.env.RELAY_E2E_LEDGER!);
  const count = (kind: string) => new Set(ledger.filter((e) => e.kind === kind).map((e) => e.value)).size;
  // The scanner itself must see a planted secret, or a clean result means nothing.
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const planted = findSecrets(`x dev_at_${'A'.repeat(40)} ${verifier} y`, 'planted', [
    ...ledger,
    { kind: 'challenge', value: challenge },
  ]);
  if (planted.length !== 2) throw new Error('the secret scan does not find a planted token and verifier');
  const files = [...servers.map((s) => s.log), ...filesIn(servers.map((s) => s.dataDir))];
  const { bytes, findings } = scan(files, ledger);
  const backend = process.env.RELAY_E2E_POSTGRES_URL ? 'PostgreSQL' : 'SQLite';
  console.log(
    `Secret scan (${backend}): ${files.length} files (${(bytes / 1e6).toFixed(1)} MB of logs and databases), ` +
      `${count('session')} session ids, ${count('state')} OAuth states and ${count('challenge')} PKCE verifiers ` +
      `(by their challenges) from the ledger, plus every issued token, code and key by its shape: ` +
      `${findings.length} in plaintext.`,
  );
  if (findings.length) {
    const lines = findings.slice(0, 20).map((f) => `  ${f.what} (${f.sample}) in ${f.where}`);
    throw new Error(`Secrets in plaintext (logs are in ${runDir}):\n${lines.join('\n')}`);
  }
}

async function startServer(
  binary: string,
  siteRoot: string,
  runDir: string,
  name: string,
  extraEnv: Record<string, string>,
  chosenPort?: number,
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-e2e-'));
  const log = join(runDir, `${name}.log`);
  const database = postgresDatabase(name);
  const logFd = openSync(log, 'w');
  const [port, devPort] = [chosenPort ?? (await freePort()), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [], {
    cwd: root,
    env: {
      ...process.env,
      RELAY_ADDR: `127.0.0.1:${port}`,
      RELAY_DEV_PROVIDERS_ADDR: `127.0.0.1:${devPort}`,
      RELAY_DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database } : {}),
      LEPTOS_SITE_ROOT: siteRoot,
      // Debug logging: the secret scan reads everything the server says.
      RUST_LOG: process.env.RUST_LOG ?? 'debug',
      ...extraEnv,
    },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  await waitForHealth(url, child).catch((e) => {
    throw new Error(`${e.message} (its log: ${log})`);
  });
  return {
    url,
    devUrl: `http://127.0.0.1:${devPort}`,
    dataDir,
    log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      // PostgreSQL keeps its files elsewhere: its rows, dumped, are scanned too.
      if (database) {
        const dump = execFileSync(pgBin('pg_dump'), ['--data-only', database], { maxBuffer: 1 << 30 });
        writeFileSync(join(dataDir, 'postgres-dump.sql'), dump);
      }
    },
  };
}
