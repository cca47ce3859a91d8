// A stand-in for VS Code's side of the Compare webview: a tiny HTTP server on 127.0.0.1 serving the built
// dist/webview/ files and a host page that looks like the real one (same Content-Security-Policy shape as
// src/extension/panels/webviewHtml.ts, a nonce, the --vscode-* theme variables set from script the way
// VS Code sets them, body class vscode-dark), and that defines acquireVsCodeApi (it records every posted
// message and keeps the state). Tests drive it with Playwright in Debian's Chromium.
// Bundled by run.mjs (through tsModule.mjs) into dist-test/webview/.
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, extname } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Message } from '../../webview/shared/ipc';
import { CompareReady } from '../../webview/compare/protocol';
import { RunDetailReady } from '../../webview/runDetail/protocol';

/** Set by the bundler (tsModule.mjs): the bundle runs from dist-test/webview/, not from here. */
declare const __REPO_ROOT__: string;
export const root = __REPO_ROOT__;
const distWebview = join(root, 'dist/webview');

export type ThemeName = 'dark' | 'light' | 'high-contrast';

/** What the stand-in host page keeps on window. */
interface HostWindow {
  __posted: Message[];
  __violations: unknown[];
  __events: Array<{ kind: string; t: number } & Record<string, unknown>>;
  __getState(): unknown;
  __send(encoded: unknown): unknown;
}

const FONT = '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif';

/**
 * The --vscode-* variables VS Code sets for its default themes, from the theme files and the colour
 * registry's defaults (Dark Modern, Light Modern with a non-default font so the tests see fonts follow the
 * theme, Dark High Contrast). A colour a theme leaves unset (null in the registry, e.g. high contrast's
 * button and list-hover backgrounds) is not set here either, as in VS Code: pages must cope with it.
 */
export const THEMES: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': FONT,
      '--vscode-font-size': '13px',
      '--vscode-font-weight': 'normal',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-errorForeground': '#f85149',
      '--vscode-panel-background': '#181818',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-panelTitle-activeBorder': '#0078d4',
      '--vscode-panelTitle-activeForeground': '#cccccc',
      '--vscode-panelTitle-inactiveForeground': '#9d9d9d',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-widget-shadow': '#0000005c',
      '--vscode-editorWidget-background': '#202020',
      '--vscode-editorWidget-border': '#454545',
      '--vscode-editorHoverWidget-background': '#202020',
      '--vscode-editorGroupHeader-tabsBackground': '#181818',
      '--vscode-list-hoverBackground': '#2a2d2e',
      '--vscode-list-activeSelectionBackground': '#04395e',
      '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-dropdown-background': '#313131',
      '--vscode-dropdown-foreground': '#cccccc',
      '--vscode-dropdown-border': '#3c3c3c',
      '--vscode-settings-dropdownListBorder': '#454545',
      '--vscode-checkbox-background': '#313131',
      '--vscode-checkbox-border': '#3c3c3c',
      '--vscode-checkbox-foreground': '#cccccc',
      '--vscode-input-background': '#313131',
      '--vscode-input-foreground': '#cccccc',
      '--vscode-input-border': '#3c3c3c',
      '--vscode-input-placeholderForeground': '#989898',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-border': '#ffffff12',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-button-secondaryHoverBackground': '#3c3c3c',
      '--vscode-badge-background': '#616161',
      '--vscode-badge-foreground': '#f8f8f8',
      '--vscode-progressBar-background': '#0078d4',
      '--vscode-textLink-foreground': '#4daafc',
      '--vscode-textLink-activeForeground': '#4daafc',
      '--vscode-textCodeBlock-background': '#2b2b2b',
      '--vscode-textBlockQuote-background': '#2b2b2b',
      '--vscode-textBlockQuote-border': '#616161',
      '--vscode-testing-iconPassed': '#73c991',
      '--vscode-testing-iconFailed': '#f14c4c',
      '--vscode-scrollbarSlider-background': '#79797966',
      '--vscode-scrollbarSlider-hoverBackground': '#646464b3',
      '--vscode-scrollbarSlider-activeBackground': '#bfbfbf66',
      '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-disabledForeground': 'rgba(204, 204, 204, 0.5)',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'Georgia, serif',
      '--vscode-font-size': '13px',
      '--vscode-font-weight': 'normal',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-errorForeground': '#f85149',
      '--vscode-panel-background': '#f8f8f8',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-panelTitle-activeBorder': '#005fb8',
      '--vscode-panelTitle-activeForeground': '#3b3b3b',
      '--vscode-panelTitle-inactiveForeground': '#3b3b3b',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-widget-shadow': '#00000029',
      '--vscode-editorWidget-background': '#f8f8f8',
      '--vscode-editorWidget-border': '#c8c8c8',
      '--vscode-editorHoverWidget-background': '#f8f8f8',
      '--vscode-editorGroupHeader-tabsBackground': '#f8f8f8',
      '--vscode-list-hoverBackground': '#f2f2f2',
      '--vscode-list-activeSelectionBackground': '#e8e8e8',
      '--vscode-list-activeSelectionForeground': '#000000',
      '--vscode-dropdown-background': '#ffffff',
      '--vscode-dropdown-foreground': '#3b3b3b',
      '--vscode-dropdown-border': '#cecece',
      '--vscode-settings-dropdownListBorder': '#c8c8c8',
      '--vscode-checkbox-background': '#f8f8f8',
      '--vscode-checkbox-border': '#cecece',
      '--vscode-checkbox-foreground': '#3b3b3b',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-foreground': '#3b3b3b',
      '--vscode-input-border': '#cecece',
      '--vscode-input-placeholderForeground': '#767676',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#0258a8',
      '--vscode-button-border': '#0000001a',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-button-secondaryHoverBackground': '#cccccc',
      '--vscode-badge-background': '#cccccc',
      '--vscode-badge-foreground': '#3b3b3b',
      '--vscode-progressBar-background': '#005fb8',
      '--vscode-textLink-foreground': '#005fb8',
      '--vscode-textLink-activeForeground': '#005fb8',
      '--vscode-textCodeBlock-background': '#f8f8f8',
      '--vscode-textBlockQuote-background': '#f8f8f8',
      '--vscode-textBlockQuote-border': '#e5e5e5',
      '--vscode-testing-iconPassed': '#388a34',
      '--vscode-testing-iconFailed': '#f14c4c',
      '--vscode-scrollbarSlider-background': '#64646466',
      '--vscode-scrollbarSlider-hoverBackground': '#646464b3',
      '--vscode-scrollbarSlider-activeBackground': '#00000099',
      '--vscode-charts-foreground': '#616161',
      '--vscode-charts-lines': 'rgba(97, 97, 97, 0.5)',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-disabledForeground': 'rgba(97, 97, 97, 0.5)',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-font-family': FONT,
      '--vscode-font-size': '13px',
      '--vscode-font-weight': 'normal',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-foreground': '#ffffff',
      '--vscode-descriptionForeground': '#ffffffb3',
      '--vscode-errorForeground': '#f48771',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-panel-background': '#000000',
      '--vscode-panel-border': '#6fc3df',
      '--vscode-panelTitle-activeBorder': '#6fc3df',
      '--vscode-panelTitle-activeForeground': '#ffffff',
      '--vscode-panelTitle-inactiveForeground': '#ffffff',
      '--vscode-focusBorder': '#f38518',
      '--vscode-editorWidget-background': '#0c141f',
      '--vscode-editorWidget-border': '#6fc3df',
      '--vscode-editorHoverWidget-background': '#0c141f',
      '--vscode-editorGroupHeader-tabsBackground': '#000000',
      '--vscode-dropdown-background': '#000000',
      '--vscode-dropdown-foreground': '#ffffff',
      '--vscode-dropdown-border': '#6fc3df',
      '--vscode-settings-dropdownListBorder': '#6fc3df',
      '--vscode-checkbox-background': '#000000',
      '--vscode-checkbox-border': '#6fc3df',
      '--vscode-checkbox-foreground': '#ffffff',
      '--vscode-input-background': '#000000',
      '--vscode-input-foreground': '#ffffff',
      '--vscode-input-border': '#6fc3df',
      '--vscode-input-placeholderForeground': '#ffffffb3',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-badge-background': '#000000',
      '--vscode-badge-foreground': '#ffffff',
      '--vscode-progressBar-background': '#6fc3df',
      '--vscode-textLink-foreground': '#21a6ff',
      '--vscode-textLink-activeForeground': '#21a6ff',
      '--vscode-textCodeBlock-background': '#000000',
      '--vscode-textBlockQuote-background': '#000000',
      '--vscode-textBlockQuote-border': '#ffffff',
      '--vscode-testing-iconPassed': '#73c991',
      '--vscode-testing-iconFailed': '#f14c4c',
      '--vscode-scrollbarSlider-background': '#f3851899',
      '--vscode-scrollbarSlider-hoverBackground': '#f38518cc',
      '--vscode-scrollbarSlider-activeBackground': '#f38518',
      '--vscode-charts-foreground': '#ffffff',
      '--vscode-charts-lines': 'rgba(255, 255, 255, 0.5)',
      '--vscode-charts-red': '#f48771',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#ffd370',
      '--vscode-charts-orange': '#ab5a00',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-disabledForeground': '#a5a5a5',
    },
  },
};

/**
 * The CSP of the real panels (webviewHtml.ts: no 'unsafe-eval'), with `self` standing for webview.cspSource.
 * `styleInline: false` builds the stricter variant the CSP probe tries; `evalAllowed: true` the policy the
 * default plotly build would need.
 */
export interface CspOptions {
  styleInline?: boolean;
  evalAllowed?: boolean;
  reportSample?: boolean;
}

export function cspFor(nonce: string, origin: string, { styleInline = true, evalAllowed = false, reportSample = false }: CspOptions = {}): string {
  const sample = reportSample ? " 'report-sample'" : '';
  return [
    "default-src 'none'",
    `img-src ${origin} data: blob:`,
    `font-src ${origin}`,
    `style-src ${origin}${styleInline ? " 'unsafe-inline'" : ''}${sample}`,
    `script-src 'nonce-${nonce}'${evalAllowed ? " 'unsafe-eval'" : ''}${sample}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

interface HostPage {
  title: string;
  origin: string;
  nonce: string;
  csp: string;
  state: unknown;
  theme: ThemeName;
  scripts: string[];
  styles: string[];
}

function hostPage({ title, origin, nonce, csp, state, theme, scripts, styles }: HostPage): string {
  const t = THEMES[theme];
  // Everything the stand-in host needs runs before our scripts, in one nonce'd inline script (allowed by
  // the nonce, like VS Code's own bootstrap which the real page does not see).
  const boot = `
(() => {
  window.__posted = [];
  window.__violations = [];
  window.__errors = [];
  let state = ${JSON.stringify(state ?? null)};
  window.__getState = () => state;
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push({ directive: e.violatedDirective, effective: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile, line: e.lineNumber });
  });
  window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => { window.__posted.push(m); },
      getState: () => (state === null ? undefined : structuredClone(state)),
      setState: (s) => { state = structuredClone(s); return s; },
    });
  };
  const themes = ${JSON.stringify(THEMES)};
  window.__setTheme = (kind) => {
    const th = themes[kind];
    for (const t of Object.values(themes)) for (const k of Object.keys(t.vars)) document.documentElement.style.removeProperty(k);
    for (const [k, v] of Object.entries(th.vars)) document.documentElement.style.setProperty(k, v);
    document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
    document.body.classList.add(th.bodyClass);
    document.body.dataset.vscodeThemeKind = th.bodyClass;
  };
  const decodeNum = (v) => (typeof v === 'string' ? Number(v) : v);
  const decode = (v) => {
    if (Array.isArray(v)) return v.map(decode);
    if (v && typeof v === 'object') {
      if (Array.isArray(v.$f64)) return Float64Array.from(v.$f64, decodeNum);
      if (Array.isArray(v.$f32)) return Float32Array.from(v.$f32, decodeNum);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
    }
    return v;
  };
  window.__decode = decode;
  /** What the host's webview.postMessage does: the message arrives as a message event (typed arrays intact). */
  window.__send = (encoded) => { const m = decode(encoded); window.postMessage(m, '*'); return m; };
  window.__events = [];
  document.addEventListener('lineage-compare', (e) => window.__events.push({ t: performance.now(), ...e.detail }));
  // VS Code sets the theme variables on <html> before the page's scripts run; the body class is in the markup.
  for (const [k, v] of Object.entries(themes[${JSON.stringify(theme)}].vars)) document.documentElement.style.setProperty(k, v);
})();`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${title} (test host)</title>
${styles.map((s) => `<link rel="stylesheet" href="${origin}/webview/${s}">`).join('\n')}
<script nonce="${nonce}">${boot}</script>
</head>
<body class="${t.bodyClass}">
<div id="app" role="main"></div>
${scripts.map((s) => `<script nonce="${nonce}" src="${origin}/webview/${s}"></script>`).join('\n')}
</body>
</html>`;
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.html': 'text/html',
  '.json': 'application/json',
};

/** Serves /webview/<file> from dist/webview and /page?… as a host page. */
export interface PageOptions {
  state?: unknown;
  theme?: ThemeName;
  scripts?: string[];
  styles?: string[];
  csp?: string;
  cspOptions?: CspOptions;
  viewport?: { width: number; height: number };
  initScript?: string | (() => void);
  /** The page's title (the real shell's is the panel's title). */
  title?: string;
  /** The message type the page posts once loaded (Compare's ready by default). */
  readyType?: string;
}

export type Server = Awaited<ReturnType<typeof startServer>>;

export async function startServer() {
  const pages = new Map<string, string>();
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname.startsWith('/webview/')) {
      const file = join(distWebview, url.pathname.slice('/webview/'.length).replace(/\.\.+/g, ''));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'max-age=3600' });
      return void res.end(readFileSync(file));
    }
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    const page = pages.get(url.pathname);
    if (page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(page);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  let n = 0;
  return {
    origin,
    /** Registers a host page and returns its URL. */
    page(opts: PageOptions = {}): string {
      const nonce = randomBytes(16).toString('base64');
      const csp = opts.csp ?? cspFor(nonce, origin, opts.cspOptions);
      const path = `/page-${++n}.html`;
      pages.set(
        path,
        hostPage({
          title: opts.title ?? 'Lineage: Compare',
          origin,
          nonce,
          csp,
          state: opts.state ?? null,
          theme: opts.theme ?? 'dark',
          scripts: opts.scripts ?? ['plotly.min.js', 'compare.js'],
          styles: opts.styles ?? ['compare.css'],
        }),
      );
      return `${origin}${path}`;
    },
    /** A blank page with only plotly (the benchmark's anchor), same CSP. */
    blankPage(): string {
      const nonce = randomBytes(16).toString('base64');
      const path = `/blank-${++n}.html`;
      pages.set(
        path,
        `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${cspFor(nonce, origin)}"></head><body><div id="plot"></div><script nonce="${nonce}" src="${origin}/webview/plotly.min.js"></script></body></html>`,
      );
      return `${origin}${path}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Debian's Chromium, headless, with the flags of shared/notes/real-vscode.md except --disable-gpu (WebGL through SwiftShader). */
export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function loadFixture(name: string): Message {
  return JSON.parse(readFileSync(join(root, 'test/webview/fixtures', name), 'utf8'));
}

/** Opens a host page; returns the page and helpers. Page errors and console errors are collected. */
export async function openPanel(browser: Browser, server: Server, opts: PageOptions = {}) {
  const context: BrowserContext = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  if (opts.initScript) await context.addInitScript(opts.initScript);
  const page: Page = await context.newPage();
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(server.page(opts), { waitUntil: 'load' });
  await page.waitForFunction((ready) => (window as unknown as HostWindow).__posted.some((m) => m.type === ready), opts.readyType ?? CompareReady.type);
  const panel = {
    page,
    context,
    consoleErrors,
    pageErrors,
    /** Posts a host message (JSON-encoded fixture, typed arrays decoded in the page). */
    send: (msg: unknown) => page.evaluate((m) => void (window as unknown as HostWindow).__send(m), msg),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a message's fields, read by the tests
    posted: (type?: string): Promise<any[]> => page.evaluate((t) => (window as unknown as HostWindow).__posted.filter((m) => !t || m.type === t), type),
    clearPosted: () => page.evaluate(() => void ((window as unknown as HostWindow).__posted.length = 0)),
    events: (kind?: string) => page.evaluate((k) => (window as unknown as HostWindow).__events.filter((e) => !k || e.kind === k), kind),
    /** Waits until `count` events of this kind have been seen (since the page loaded). */
    waitEvents: (kind: string, count = 1, timeout = 60_000) =>
      page.waitForFunction(([k, c]) => (window as unknown as HostWindow).__events.filter((e) => e.kind === k).length >= c, [kind, count] as const, { timeout }),
    violations: () => page.evaluate(() => (window as unknown as HostWindow).__violations),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the saved state, read by the tests
    state: (): Promise<any> => page.evaluate(() => (window as unknown as HostWindow).__getState()),
    async init(msg: unknown) {
      const before = (await panel.events('init-done')).length;
      await panel.send(msg);
      await panel.waitEvents('init-done', before + 1);
    },
    close: () => context.close(),
  };
  return panel;
}

/** The run detail panel in the stand-in host: its own script and stylesheet, and its real CSP (no 'unsafe-eval'). */
export function openRunDetail(browser: Browser, server: Server, opts: PageOptions = {}) {
  return openPanel(browser, server, {
    scripts: ['runDetail.js'],
    styles: ['runDetail.css'],
    cspOptions: { evalAllowed: false },
    title: 'Lineage: run',
    readyType: RunDetailReady.type,
    ...opts,
  });
}
