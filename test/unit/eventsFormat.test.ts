/**
 * docs/events-format.md, the readers (parseEvents.ts and its fast metric path, fastMetrics.ts) and the Python
 * SDK's writer describe one format. This test fails when they drift apart:
 *   - the doc lists an event type the parser does not accept, or a documented field the parser drops;
 *   - the SDK writes an event type the doc does not list (found both by reading the SDK's source and by running
 *     it: one of each log_* call into a temp run folder), or a line the parser warns about;
 *   - the doc lists a type the SDK never writes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventLines, parseForIngest, type LineageEvent } from '../../src/core/events/parseEvents';
import { FastMetricScanner } from '../../src/core/events/fastMetrics';
import { PYTHON } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

// __dirname is dist-test/unit once bundled
const ROOT = path.resolve(__dirname, '../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/events-format.md'), 'utf8');
const SDK = path.join(ROOT, 'sdk/python');

/** Documented fields the readers skip on purpose (the doc says what they are for; nothing stores them). */
const NOT_STORED: Record<string, string[]> = { header: ['writer'], dataset: ['auto'] };

/** The `events.jsonl` table: type -> the field names its "other fields" column names in backticks. */
function documentedTypes(doc: string): Map<string, string[]> {
  const section = doc.slice(doc.indexOf('## events.jsonl'));
  const out = new Map<string, string[]>();
  for (const row of section.split('\n')) {
    const m = /^\|\s*`([a-z_]+)`\s*\|([^|]*)\|/.exec(row);
    if (!m || m[1] === 'type') continue; // the table's own heading row
    const fields = [...m[2].matchAll(/`([a-z_]+)`/g)].map((f) => f[1]).filter((f) => !['true', 'false', 'null'].includes(f));
    out.set(m[1], fields);
  }
  return out;
}

/** The lines of the doc's first fenced block after "Example:". */
function documentedExamples(doc: string): string[] {
  const m = /Example:\s*```[a-z]*\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('## events.jsonl')));
  assert.ok(m, 'docs/events-format.md has an "Example:" block under "## events.jsonl"');
  return m[1].split('\n').filter((l) => l.trim() !== '');
}

/** Every `"type": "<name>"` the SDK's source writes (dict literals and the hand-built metric/param lines). */
function sdkSourceTypes(): Set<string> {
  const dir = path.join(SDK, 'lineage');
  const types = new Set<string>();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.py'))) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    for (const m of text.matchAll(/["']type["']\s*:\s*["']([a-z_]+)["']/g)) types.add(m[1]);
  }
  return types;
}

/** Runs the SDK the way the launcher does (joining a run folder from the environment) and returns its events.jsonl lines. */
function sdkWrittenLines(): string[] {
  const ws = tmpDir('lineage-events-format-');
  try {
    const id = '20260101-000000-abcdef';
    const runDir = path.join(ws, '.lineage', 'runs', id);
    fs.mkdirSync(runDir, { recursive: true });
    fs.mkdirSync(path.join(ws, 'data'));
    fs.writeFileSync(path.join(ws, 'data', 'houses.csv'), 'a,b\n1,2\n');
    fs.writeFileSync(path.join(ws, 'model.pkl'), 'model');
    const script = [
      'import lineage',
      'lineage.log_param("lr", 0.1)',
      'lineage.log_params({"depth": 3, "name": "x", "flag": True, "none": None})',
      'lineage.log_params({"layers": [256, 128, 64], "cfg": {"opt": "adam"}, "big": 2**70})',
      'lineage.log_metric("rmse", 31250.5, step=0)',
      'lineage.log_metric("loss", float("nan"))',
      'lineage.log_metrics({"acc": 0.9, "inf": float("inf")}, step=2)',
      'lineage.set_tag("stage", "dev")',
      'lineage.log_artifact("model.pkl")',
      'lineage.log_model("model.pkl", flavor="sklearn", name="m.pkl")',
      'lineage.log_dataset("data/houses.csv", role="train")',
      'open("data/houses.csv").read()',
      'open("data/out.txt", "w").write("y")',
      'lineage.log_explanation([[0.5, -0.25]], [1.0], [[1.0, 2.0]], feature_names=["a", "b"])',
    ].join('\n');
    execFileSync(PYTHON, ['-c', script], {
      cwd: ws,
      env: { ...process.env, PYTHONPATH: SDK, LINEAGE_RUN_DIR: runDir, LINEAGE_RUN_ID: id, LINEAGE_WORKSPACE: ws },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return fs
      .readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

function typeOf(line: string): string {
  return (JSON.parse(line) as { type: string }).type;
}

/**
 * The parser's value for a field as written: the non-finite strings of metric values become numbers; a
 * param's integer past 2^53 is its decimal text in the line ("Param values" in the doc).
 */
function expected(field: string, written: unknown, line = ''): unknown {
  if (field === 'value' && typeof written === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(written)) return Number(written);
  if (field === 'value' && typeof written === 'number' && Number.isInteger(written) && !Number.isSafeInteger(written) && line.includes('"type":"param"'))
    return /"value":(-?\d+)[,}]/.exec(line)![1];
  return written;
}

/**
 * Parses one line both ways the readers do (parseEventLines, and parseForIngest with the fast metric scanner)
 * and checks each parse keeps every documented field the line carries.
 */
function checkLine(line: string, fields: string[]): void {
  const written = JSON.parse(line) as Record<string, unknown>;
  const type = written.type as string;
  const kept = fields.filter((f) => f in written && !(NOT_STORED[type] ?? []).includes(f));

  const batch = parseEventLines(line + '\n', 1);
  assert.deepEqual(batch.warnings, [], `parseEventLines accepts ${line}`);
  assert.equal(batch.events.length, 1, line);
  const event = batch.events[0] as LineageEvent & Record<string, unknown>;
  assert.equal(event.type, type, line);
  for (const f of kept) assert.deepEqual(event[f], expected(f, written[f], line), `parseEventLines keeps ${type}.${f} of ${line}`);

  const scanner = new FastMetricScanner();
  const ingest = parseForIngest(line + '\n', 1, scanner);
  assert.deepEqual(ingest.warnings, [], `parseForIngest accepts ${line}`);
  if (type === 'metric') {
    assert.equal(ingest.events.length, 0);
    const cols = scanner.metrics.get(written.key as string);
    assert.ok(cols && cols.values.length === 1, `the metric scanner keeps ${line}`);
    assert.deepEqual(cols.values[0], expected('value', written.value), `value of ${line}`);
    if ('step' in written) assert.equal(cols.steps[0], written.step, `step of ${line}`);
    if ('ts' in written) assert.equal(cols.ts[0], Math.round((written.ts as number) * 1000), `ts (ms) of ${line}`);
  } else {
    assert.equal(ingest.events.length, 1, line);
    const e = ingest.events[0] as LineageEvent & Record<string, unknown>;
    for (const f of kept) assert.deepEqual(e[f], expected(f, written[f], line), `parseForIngest keeps ${type}.${f} of ${line}`);
  }
}

const docTypes = documentedTypes(DOC);

test('the doc table is read (so the checks below cannot pass on nothing)', () => {
  for (const t of ['header', 'param', 'metric', 'status']) assert.ok(docTypes.has(t), `the doc lists ${t}`);
  assert.deepEqual(docTypes.get('metric'), ['key', 'value', 'step', 'ts']);
  for (const [type, fields] of Object.entries(NOT_STORED))
    for (const f of fields) assert.ok(docTypes.get(type)?.includes(f), `${type}.${f} (skipped by the readers) is still documented`);
});

test("every line of the doc's example is a documented type, and parses with its fields", () => {
  const examples = documentedExamples(DOC);
  assert.ok(examples.length >= 5);
  for (const line of examples) {
    const type = typeOf(line);
    assert.ok(docTypes.has(type), `example type ${type} is in the table`);
    checkLine(line, docTypes.get(type)!);
  }
});

test('every documented type is one the parser knows; an undocumented one is refused', () => {
  for (const type of docTypes.keys()) {
    const { warnings } = parseEventLines(JSON.stringify({ type }) + '\n', 1);
    assert.ok(!warnings.some((w) => w.message.startsWith('unknown event type')), `the parser knows "${type}" (${JSON.stringify(warnings)})`);
  }
  const { warnings } = parseEventLines('{"type":"no_such_type"}\n', 1);
  assert.match(warnings[0]?.message ?? '', /^unknown event type/);
});

test("the SDK's source writes only documented types, and every documented type", () => {
  const written = sdkSourceTypes();
  assert.ok(written.has('metric') && written.has('header'), `types found in the SDK: ${[...written].join(', ')}`);
  for (const t of written) assert.ok(docTypes.has(t), `the SDK writes "${t}"; docs/events-format.md must list it`);
  for (const t of docTypes.keys()) assert.ok(written.has(t), `docs/events-format.md lists "${t}"; the SDK never writes it`);
});

test('a run written by the SDK: every line is a documented type and parses with its fields', () => {
  const lines = sdkWrittenLines();
  const seen = new Set(lines.map(typeOf));
  for (const line of lines) {
    const type = typeOf(line);
    assert.ok(docTypes.has(type), `the SDK wrote "${type}", which docs/events-format.md does not list: ${line}`);
    checkLine(line, docTypes.get(type)!);
  }
  // One of each log_* call, the audit hook and the process end cover every type the SDK's source names.
  assert.deepEqual([...seen].sort(), [...sdkSourceTypes()].sort(), 'the run exercised every type the SDK writes');
});
