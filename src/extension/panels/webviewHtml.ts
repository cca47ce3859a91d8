import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface PanelAssets {
  scripts: string[];
  styles: string[];
  title: string;
}

/**
 * The HTML shell of a Lineage webview: a strict Content-Security-Policy (nothing remote, scripts only from
 * our own files and only with this page's nonce), and no user data in the markup — the data arrives as
 * messages and is rendered as text by the webview code.
 */
export function webviewHtml(webview: vscode.Webview, root: vscode.Uri, assets: PanelAssets): string {
  const nonce = randomBytes(16).toString('base64');
  const src = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(root, file)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `font-src ${webview.cspSource}`,
    // plotly writes its own <style> elements at run time; no user text ever reaches a style.
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    // Scripts by nonce only, never 'unsafe-eval': the plotly bundle is the strict build, whose WebGL traces use
    // precompiled shaders (scripts/build.mjs).
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(assets.title)}</title>
${assets.styles.map((s) => `<link rel="stylesheet" href="${src(s)}">`).join('\n')}
</head>
<body>
<div id="app" role="main"></div>
${assets.scripts.map((s) => `<script nonce="${nonce}" src="${src(s)}"></script>`).join('\n')}
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
