/**
 * Dependencies point inward (issue 9, item 2): the engine in src/core knows nothing of its adapters (the VS Code
 * extension, the CLI) nor of the webviews, and the extension does not reach into the CLI. Every import, export-from,
 * require() and dynamic import() of every source file is read with TypeScript's own pre-processor (comments and
 * strings are not mistaken for imports), relative paths are resolved, and each one is checked against RULES.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

// __dirname is dist-test/unit once bundled
const ROOT = path.resolve(__dirname, '../..');

/** A folder (relative to the repo root, '/' separated) that must not depend on any of `forbidden`. */
interface Rule {
  from: string;
  forbidden: string[];
  why: string;
}

/** 'vscode' stands for the VS Code API module; anything else is a folder of this repo. */
const RULES: Rule[] = [
  { from: 'src/core', forbidden: ['vscode', 'src/extension', 'src/cli', 'webview'], why: 'the engine is shared by every adapter and runs without VS Code' },
  { from: 'src/extension', forbidden: ['src/cli'], why: 'shared operations live in src/core, not in another adapter' },
];

const SCANNED = ['src', 'webview'];
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

interface SourceFile {
  /** Repo-relative, '/' separated. */
  file: string;
  text: string;
}

/** Every module specifier the file names: import/export ... from, import 'x', import x = require(), require(), import(). */
export function specifiersOf(text: string): string[] {
  return ts.preProcessFile(text, /* readImportFiles */ true, /* detectJavaScriptImports */ true).importedFiles.map((f) => f.fileName);
}

/** What a specifier points at: 'vscode', a repo-relative path for relative specifiers, or null for any other package. */
function targetOf(fromFile: string, spec: string): string | null {
  if (spec === 'vscode' || spec.startsWith('vscode/')) return 'vscode';
  if (!spec.startsWith('.')) return null;
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
}

function inside(file: string, folder: string): boolean {
  return file === folder || file.startsWith(folder + '/');
}

export function violations(files: SourceFile[], rules: Rule[] = RULES): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    for (const rule of rules) {
      if (!inside(file, rule.from)) continue;
      for (const spec of specifiersOf(text)) {
        const target = targetOf(file, spec);
        if (target === null) continue;
        const hit = rule.forbidden.find((f) => (f === 'vscode' ? target === 'vscode' : inside(target, f)));
        if (hit) out.push(`${file} imports ${hit} ('${spec}'): ${rule.from} must not depend on ${hit}; ${rule.why}`);
      }
    }
  }
  return out;
}

function sourcesUnder(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return out;
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourcesUnder(rel));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push({ file: rel, text: fs.readFileSync(path.join(ROOT, rel), 'utf8') });
  }
  return out;
}

test('the detector finds every form of import and ignores comments, strings and allowed imports', () => {
  const sample: SourceFile[] = [
    { file: 'src/core/a.ts', text: "import * as vscode from 'vscode';\n" },
    { file: 'src/core/b.ts', text: "import type { Msg } from '../../webview/protocol';\n" },
    { file: 'src/core/deep/c.ts', text: "export { x } from '../../extension/x';\n" },
    { file: 'src/core/d.ts', text: "async function f() {\n  const m = await import('../cli/commands/compare');\n  return m;\n}\n" },
    { file: 'src/core/e.ts', text: "const w = require('../../webview/shared/dom');\n" },
    { file: 'src/core/f.ts', text: "import '../extension/sideEffect';\nimport v = require('vscode');\n" },
    { file: 'src/extension/g.ts', text: "import { compareRuns } from '../cli/commands/compare';\n" },
    // None of these is a violation.
    {
      file: 'src/core/ok.ts',
      text: [
        "// import * as vscode from 'vscode';",
        "/* import { x } from '../extension/x'; */",
        'const s = "import { y } from \'../cli/y\'";',
        "import { z } from './z';",
        "import { w } from '../runs/w';",
        "import * as fs from 'node:fs';",
        "import { vscodeLike } from 'vscode-uri';",
      ].join('\n'),
    },
    { file: 'src/extension/ok.ts', text: "import * as vscode from 'vscode';\nimport { q } from '../core/runs/queries';\n" },
    { file: 'src/cli/ok.ts', text: "import { extensionThing } from '../extension/x';\n" },
    { file: 'src/corex/ok.ts', text: "import * as vscode from 'vscode';\n" },
  ];
  const found = violations(sample).map((v) => v.split(' (')[0]);
  assert.deepEqual(found, [
    'src/core/a.ts imports vscode',
    'src/core/b.ts imports webview',
    'src/core/deep/c.ts imports src/extension',
    'src/core/d.ts imports src/cli',
    'src/core/e.ts imports webview',
    'src/core/f.ts imports src/extension',
    'src/core/f.ts imports vscode',
    'src/extension/g.ts imports src/cli',
  ]);
});

test('the scan reads the real sources (it cannot pass on an empty tree)', () => {
  const files = SCANNED.flatMap(sourcesUnder);
  for (const rule of RULES) assert.ok(files.filter((f) => inside(f.file, rule.from)).length >= 5, `sources found under ${rule.from}`);
  const relative = files.flatMap((f) => specifiersOf(f.text)).filter((s) => s.startsWith('.'));
  assert.ok(relative.length >= 50, `relative imports found: ${relative.length}`);
  assert.ok(
    files.some((f) => inside(f.file, 'src/extension') && specifiersOf(f.text).includes('vscode')),
    'the extension imports vscode (so the reader sees it)',
  );
});

test('src/core imports neither vscode, src/extension, src/cli nor webview/; src/extension does not import src/cli', () => {
  const found = violations(SCANNED.flatMap(sourcesUnder));
  assert.deepEqual(found, [], `dependencies pointing outward:\n  ${found.join('\n  ')}`);
});
