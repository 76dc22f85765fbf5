// Starts the release build of the server once for the whole run: free ports,
// a temporary data directory, and the site built by `cargo leptos build --release`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
  for (const path of [binary, join(siteRoot, 'pkg/relay.wasm')]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`cargo leptos build --release\` first (scripts/test does)`);
  }
  // The main server, and one whose device codes expire in seconds (for "Code Expired").
  const main = await startServer(binary, siteRoot, {});
  const short = await startServer(binary, siteRoot, { RELAY_DEV_DEVICE_EXPIRES_IN: '6' });
  process.env.RELAY_URL = main.url;
  process.env.RELAY_DEV_PROVIDERS_URL = main.devUrl;
  process.env.RELAY_SHORT_URL = short.url;

  return async () => {
    await Promise.all([main.stop(), short.stop()]);
  };
}

async function startServer(binary: string, siteRoot: string, extraEnv: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-e2e-'));
  const [port, devPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [], {
    cwd: root,
    env: {
      ...process.env,
      RELAY_ADDR: `127.0.0.1:${port}`,
      RELAY_DEV_PROVIDERS_ADDR: `127.0.0.1:${devPort}`,
      RELAY_DATA_DIR: dataDir,
      LEPTOS_SITE_ROOT: siteRoot,
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForHealth(url, child);
  return {
    url,
    devUrl: `http://127.0.0.1:${devPort}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
