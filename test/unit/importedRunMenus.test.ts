import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runContextValue } from '../../src/extension/views/runContext';

// A run imported from MLflow (tag lineage.imported_from) is read-only: the Experiments view must not offer
// Rerun, Rerun with Changed Parameters, Reproduce or Re-run Stale Steps on it, while a local run keeps them.
// The package.json `when` clauses are evaluated here against the context value the tree gives the row.

interface MenuEntry {
  command: string;
  when?: string;
}

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { menus: Record<string, MenuEntry[]> };
};

/** The `&&` terms package.json uses on this view: `view == X`, `viewItem == v`, `viewItem =~ /re/`. */
function offered(viewItem: string): Set<string> {
  const out = new Set<string>();
  for (const m of pkg.contributes.menus['view/item/context']) {
    const terms = (m.when ?? '').split('&&').map((t) => t.trim());
    const ok = terms.every((t) => {
      let x = /^view == (\S+)$/.exec(t);
      if (x) return x[1] === 'lineage.experiments';
      x = /^viewItem == (\S+)$/.exec(t);
      if (x) return viewItem === x[1];
      x = /^viewItem =~ \/(.*)\/([a-z]*)$/.exec(t);
      if (x) return new RegExp(x[1], x[2]).test(viewItem);
      return true;
    });
    if (ok) out.add(m.command);
  }
  return out;
}

test('an imported run offers no Rerun, Reproduce or Re-run Stale Steps; a local run and the read actions stay', () => {
  const rerunning = ['lineage.rerun', 'lineage.rerunWithParams', 'lineage.reproduceRun', 'lineage.rerunStale'];
  for (const status of ['finished', 'failed', 'killed'] as const) {
    for (const starred of [false, true]) {
      const local = offered(runContextValue({ status, starred }, { explained: true }));
      const imported = offered(runContextValue({ status, starred }, { explained: true, imported: true }));
      for (const c of rerunning) {
        assert.ok(local.has(c), `${c} on a local ${status} run`);
        assert.ok(!imported.has(c), `${c} offered on an imported ${status} run`);
      }
      for (const c of ['lineage.openRun', 'lineage.compareRuns', 'lineage.copyRunId', 'lineage.deleteRun', 'lineage.explainRun'])
        assert.ok(imported.has(c), `${c} still on an imported ${status} run`);
    }
  }
});

/** Every `&&`/`||` term of every menu clause in a form VS Code's when-clause parser accepts. */
const TERM_FORMS = [
  /^!?[\w.:-]+$/, // a key, or its negation
  /^[\w.:-]+ (==|!=|<=|>=|<|>) \S+$/,
  /^[\w.:-]+ =~ \/.*\/[a-z]*$/,
  /^[\w.:-]+ (not )?in [\w.:-]+$/,
];

test('every menu clause uses only operators VS Code parses (it has no "not =~": an unparsable clause hides the item)', () => {
  const bad: string[] = [];
  for (const [menu, entries] of Object.entries(pkg.contributes.menus))
    for (const m of entries)
      for (const t of (m.when ?? '').split(/&&|\|\|/).map((x) => x.trim().replace(/^\(+|\)+$/g, '')))
        if (t && !TERM_FORMS.some((re) => re.test(t))) bad.push(`${menu} ${m.command}: ${t}`);
  assert.deepEqual(bad, []);
});

test('Star Run is offered on a run that is not starred, Unstar Run on a starred one', () => {
  for (const status of ['finished', 'failed', 'running'] as const) {
    const plain = offered(runContextValue({ status, starred: false }, { explained: false }));
    const starred = offered(runContextValue({ status, starred: true }, { explained: false }));
    assert.ok(plain.has('lineage.starRun') && !plain.has('lineage.unstarRun'), `a ${status} run`);
    assert.ok(starred.has('lineage.unstarRun') && !starred.has('lineage.starRun'), `a starred ${status} run`);
  }
});
