/**
 * The command table (src/extension/commands/ids.ts) against package.json and the extension's source:
 * every contributed command is registered, every registered command is contributed, menus and keybindings
 * name only contributed commands, and our own commands are registered and run through the table.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS, CONTEXT_KEYS, VIEWS } from '../../src/extension/commands/ids';

// __dirname is dist-test/unit once bundled
const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const table = new Set<string>(Object.values(COMMANDS));

function sources(dir: string): Array<{ file: string; text: string }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [{ file: path.relative(ROOT, p), text: fs.readFileSync(p, 'utf8') }] : [];
  });
}
const extension = sources(path.join(ROOT, 'src', 'extension'));

/** The commands the source registers: `registerCommand(COMMANDS.x` through the table, or a literal id. */
function registered(): Map<string, string> {
  const out = new Map<string, string>();
  for (const { file, text } of extension) {
    for (const m of text.matchAll(/registerCommand\(\s*COMMANDS\.(\w+)/g)) {
      const id = (COMMANDS as Record<string, string>)[m[1]];
      assert.ok(id, `${file} registers COMMANDS.${m[1]}, which the table lacks`);
      out.set(id, file);
    }
    for (const m of text.matchAll(/registerCommand\(\s*['"`]([^'"`]+)['"`]/g)) out.set(m[1], file);
  }
  return out;
}

test('every command package.json contributes is in the table and registered by the extension', () => {
  const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
  const reg = registered();
  for (const id of contributed) {
    assert.ok(table.has(id), `${id} is contributed but not in COMMANDS`);
    assert.ok(reg.has(id), `${id} is contributed but nothing registers it`);
  }
  for (const [id, file] of reg) assert.ok(contributed.includes(id), `${file} registers ${id}, which package.json does not contribute`);
  for (const id of table) assert.ok(contributed.includes(id), `COMMANDS has ${id}, which package.json does not contribute`);
  assert.equal(table.size, Object.keys(COMMANDS).length, 'no id twice in the table');
});

test('menus, keybindings and walkthrough links name only contributed commands', () => {
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const named: Array<[string, string]> = [];
  for (const [menu, items] of Object.entries<Array<{ command?: string }>>(pkg.contributes.menus ?? {}))
    for (const item of items) if (item.command) named.push([`menus.${menu}`, item.command]);
  for (const k of pkg.contributes.keybindings ?? []) named.push(['keybindings', k.command]);
  const text = JSON.stringify(pkg.contributes.walkthroughs ?? []) + JSON.stringify(pkg.contributes.viewsWelcome ?? []);
  for (const m of text.matchAll(/(?:command:|onCommand:)(lineage\.\w+)/g)) named.push(['walkthroughs / viewsWelcome', m[1]]);
  assert.ok(named.length > 10, 'the menus were read');
  for (const [where, id] of named) if (id.startsWith('lineage.')) assert.ok(contributed.has(id), `${where} names ${id}, which is not contributed`);
});

test('our own commands go through the table: no literal lineage.* id in registerCommand or executeCommand', () => {
  const literal = /(?:registerCommand|executeCommand|runCommand)(?:<[^>]*>)?\(\s*['"`](lineage\.\w+)['"`]/g;
  const offenders = extension.flatMap(({ file, text }) => [...text.matchAll(literal)].map((m) => `${file}: ${m[1]}`));
  assert.deepEqual(offenders, []);
  // The `when` clauses' context key and the views are the ones package.json uses.
  assert.ok(JSON.stringify(pkg.contributes.menus).includes(CONTEXT_KEYS.filtered));
  const views = pkg.contributes.views.lineage.map((v: { id: string }) => v.id).sort();
  assert.deepEqual(Object.values(VIEWS).sort(), views);
});
