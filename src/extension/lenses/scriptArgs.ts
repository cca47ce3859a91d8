import type * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { quoteArg } from '../commands/runArgs';
import { engine } from '../engine';
import { SECRET_MASK } from '../../core/launcher/secrets';

export interface DeclaredArg {
  flag: string;
  dest: string;
  defaultText: string | undefined;
}

/**
 * The options a script declares with argparse (`parser.add_argument("--lr", type=float, default=0.1)`),
 * read from the source text: enough to offer them with values, without running the script.
 */
export function declaredArgs(source: string): DeclaredArg[] {
  const out: DeclaredArg[] = [];
  const re = /add_argument\(\s*((?:["'][^"']+["']\s*,\s*)+)([^)]*)\)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const names = [...m[1].matchAll(/["']([^"']+)["']/g)].map((x) => x[1]);
    const flag = names.find((n) => n.startsWith('--')) ?? names.find((n) => n.startsWith('-'));
    if (!flag) continue;
    const destMatch = /dest\s*=\s*["']([^"']+)["']/.exec(m[2]);
    const dest = destMatch?.[1] ?? flag.replace(/^-+/, '').replace(/-/g, '_');
    const def = /default\s*=\s*("[^"]*"|'[^']*'|[^,)\s]+)/.exec(m[2])?.[1];
    if (/action\s*=\s*["'](store_true|store_false|count|help|version)/.test(m[2])) continue;
    out.push({ flag, dest, defaultText: def?.replace(/^["']|["']$/g, '') });
  }
  return out;
}

/**
 * The arguments a script's last run was given, completed with the params argparse recorded for the options
 * it did not give. A secret recorded as the mask (`••••`, see core/launcher/secrets.ts) is left out, option
 * and all: offering the mask as a value would run the script with a wrong key.
 */
export function argsFromLastRun(declared: DeclaredArg[], command: string[], params: Record<string, unknown>): string[] {
  const i = command.findIndex((a) => a.endsWith('.py'));
  const given: string[] = [];
  const rest = i >= 0 ? command.slice(i + 1) : [];
  for (let k = 0; k < rest.length; k++) {
    const a = rest[k];
    if (a.endsWith('=' + SECRET_MASK)) continue;
    if (a.startsWith('-') && rest[k + 1] === SECRET_MASK) {
      k++;
      continue;
    }
    given.push(a);
  }
  const parts = [...given];
  for (const d of declared) {
    if (given.some((g) => g === d.flag || g.startsWith(d.flag + '='))) continue;
    const v = params[d.dest];
    if (v === undefined || v === null || v === SECRET_MASK) continue;
    // An nargs list comes back as an array: one word per item, as argparse reads it.
    const words = Array.isArray(v) ? (v as unknown[]) : [v];
    parts.push(d.flag, ...words.map((w) => (typeof w === 'string' ? w : JSON.stringify(w))));
  }
  return parts;
}

/** Arguments for "Run with params…": the last run of this script if any, else its declared defaults. */
export async function lastArgsFor(lineage: Lineage, folder: string, doc: vscode.TextDocument): Promise<string> {
  const declared = declaredArgs(doc.getText());
  const ws = lineage.hasLineage(folder) ? await lineage.workspace(folder) : undefined;
  if (ws) {
    const { recentRunsOfScript, getRun } = await engine();
    const [last] = recentRunsOfScript(ws.store, doc.uri.fsPath, 1);
    if (last) {
      const r = getRun(ws.store, last);
      return argsFromLastRun(declared, r.command, r.params).map(quoteArg).join(' ');
    }
  }
  return declared
    .filter((d) => d.defaultText !== undefined && d.defaultText !== 'None')
    .flatMap((d) => [d.flag, d.defaultText!])
    .map(quoteArg)
    .join(' ');
}
