// The machinery to run Lineage in a real VS Code, shared by scripts/vscode/run.mjs (the suites and the UI pass)
// and bench/vscode_big_workspace.mjs: code-server 4.100.3 (installed by install-code-server.sh into
// .code-server/) with its own user data on 127.0.0.1, a workbench URL that loads the extension from source, and
// Debian's Chromium through playwright-core. Servers started here are tracked, so stopAllServers() ends them all.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const PYTHON = '/usr/bin/python3';
/** The servers running now (startCodeServer adds, stopServer removes). */
const servers = new Set();

export const CODE_SERVER = path.join(ROOT, '.code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.LINEAGE_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function loadPlaywright() {
  for (const base of [ROOT, path.join(ROOT, '.code-server')]) {
    try {
      return createRequire(path.join(base, 'package.json'))('playwright-core');
    } catch {
      /* next */
    }
  }
  throw new Error('playwright-core is not installed: add it to devDependencies and run npm ci.');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh copy of examples/house-prices (plus `fixtures` from test/vscode/fixtures/), committed to git so the
 * run's commit is captured. */
export function makeWorkspace(parent, name, fixtures = []) {
  const ws = path.join(parent, name);
  fs.cpSync(path.join(ROOT, 'examples', 'house-prices'), ws, {
    recursive: true,
    filter: (src) => !/[\\/](outputs|__pycache__|\.lineage)([\\/]|$)/.test(src),
  });
  for (const f of fixtures) fs.copyFileSync(path.join(ROOT, 'test', 'vscode', 'fixtures', f), path.join(ws, f));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'lineage-test',
    GIT_AUTHOR_EMAIL: 't@example.invalid',
    GIT_COMMITTER_NAME: 'lineage-test',
    GIT_COMMITTER_EMAIL: 't@example.invalid',
  };
  const git = (...a) => execFileSync('git', a, { cwd: ws, env, stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'house-prices example');
  return ws;
}

/** code-server with its own user data, extensions, XDG dirs and config, under `dir`; `env` adds to its environment
 * (and so to its extension host's). `trusted: false` keeps Workspace Trust on and opens the folder in Restricted
 * Mode (no startup prompt), as a repository someone else shipped opens for a careful user. */
export async function startCodeServer(dir, workspace, { env: extraEnv = {}, trusted = true } = {}) {
  const port = await freePort();
  const user = path.join(dir, 'user');
  fs.mkdirSync(path.join(user, 'User'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'exts'), { recursive: true });
  fs.writeFileSync(
    path.join(user, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'lineage.pythonPath': PYTHON,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'workbench.tips.enabled': false,
        'git.openRepositoryInParentFolders': 'never',
        // The DOM renderer, so the UI pass can read the terminal's text.
        'terminal.integrated.gpuAcceleration': 'off',
        ...(trusted ? {} : { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' }),
      },
      null,
      2,
    ),
  );
  const config = path.join(dir, 'code-server.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = path.join(dir, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const env = {
    ...process.env,
    XDG_DATA_HOME: path.join(dir, 'xdg', 'data'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg', 'config'),
    XDG_CACHE_HOME: path.join(dir, 'xdg', 'cache'),
    XDG_STATE_HOME: path.join(dir, 'xdg', 'state'),
    ...extraEnv,
  };
  const child = spawn(
    CODE_SERVER,
    [
      '--config',
      config,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      user,
      '--extensions-dir',
      path.join(dir, 'exts'),
      '--disable-telemetry',
      '--disable-update-check',
      ...(trusted ? ['--disable-workspace-trust'] : []),
      '--disable-getting-started-override',
      workspace,
    ],
    { env, stdio: ['ignore', out, out], detached: true },
  );
  fs.closeSync(out);
  const server = { child, port, logFile, exited: false, url: `http://127.0.0.1:${port}` };
  child.on('exit', () => {
    server.exited = true;
  });
  servers.add(server);
  const end = Date.now() + 60_000;
  for (;;) {
    if (server.exited) throw new Error(`code-server exited at start; its log:\n${tail(logFile)}`);
    try {
      const r = await fetch(`${server.url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`code-server did not answer /healthz within 60 s; its log:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return server;
}

/** Stops the server's whole process group (server, extension hosts, pty host, anything a test left running)
 * and waits until it is gone, so nothing writes into the temp dir after we remove it. */
export async function stopServer(server) {
  if (!servers.delete(server)) return;
  const pgid = server.child.pid;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (sig) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      /* gone */
    }
  };
  signal('SIGTERM');
  const end = Date.now() + 5000;
  while (alive() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    signal('SIGKILL');
    const end2 = Date.now() + 3000;
    while (alive() && Date.now() < end2) await new Promise((r) => setTimeout(r, 100));
  }
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The workbench URL for `workspace` (a folder, or a .code-workspace file), with the extension loaded from
 * source (and its tests, if given). */
export function workbenchUrl(server, workspace, extra = []) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(ROOT)], ...extra.map(([k, v]) => [k, v === true ? 'true' : remote(v)]), ['skipWelcome', 'true']];
  const kind = workspace.endsWith('.code-workspace') ? 'workspace' : 'folder';
  return `${server.url}/?${kind}=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Stops every server startCodeServer started and has not stopped yet. */
export function stopAllServers() {
  return Promise.all([...servers].map((s) => stopServer(s)));
}
