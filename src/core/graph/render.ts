import type { GraphEdge, GraphNode, LineageGraph } from './types';

/** One line's words for a node, without colour (the CLI adds it). */
export function nodeText(n: GraphNode): string {
  if (n.kind === 'run') return `run ${n.label} (${n.runId}) · ${n.status}`;
  if (n.kind === 'model') return `model ${n.path} of run ${n.runName}`;
  const sha = n.sha256 ? `@${n.sha256.slice(0, 12)}` : '@(not fingerprinted)';
  const state =
    n.state === 'changed'
      ? ' · the file holds other content now'
      : n.state === 'missing'
        ? ' · the file is gone now'
        : n.state === 'current'
          ? ' · current'
          : '';
  return `${n.label} ${sha}${state}`;
}

export function staleText(n: GraphNode): string {
  if (!n.stale) return '';
  const since = n.supersededBy ? `; re-run since as ${n.supersededBy.runName} (${n.supersededBy.runId}), which is up to date` : '';
  return `STALE: ${n.reasons.join('; ')}${since}`;
}

/** How an edge reads from the node being printed: up the tree (its sources) or down (what used it). */
function verb(e: GraphEdge, nodes: Map<string, GraphNode>, up: boolean): string {
  const other = nodes.get(up ? e.from : e.to);
  if (e.kind === 'same-content') return 'same content as';
  if (up) return e.kind === 'read' ? 'reads' : 'written by';
  return e.kind === 'read' ? 'read by' : other?.kind === 'model' ? 'saves' : 'writes';
}

export interface TextStyle {
  stale(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  /** Terminal-safe text (control characters shown, not sent). */
  safe(s: string): string;
}

const PLAIN: TextStyle = { stale: (s) => s, dim: (s) => s, bold: (s) => s, safe: (s) => s };

/**
 * The graph as two trees from the target: what it was made from (back to raw data) and what used it.
 * A node met twice (a diamond) is printed once and then referred to.
 */
export function graphText(g: LineageGraph, style: TextStyle = PLAIN): string {
  const nodes = new Map(g.nodes.map((n) => [n.id, n]));
  const into = new Map<string, GraphEdge[]>();
  const outOf = new Map<string, GraphEdge[]>();
  for (const e of g.edges) {
    (into.get(e.to) ?? into.set(e.to, []).get(e.to)!).push(e);
    (outOf.get(e.from) ?? outOf.set(e.from, []).get(e.from)!).push(e);
  }
  const lines: string[] = [];
  const line = (n: GraphNode, prefix: string, lead: string) => {
    const st = staleText(n);
    lines.push(`${prefix}${lead}${style.safe(nodeText(n))}${st ? '  ' + style.stale('⚠ ' + style.safe(st)) : ''}`);
  };
  const tree = (id: string, up: boolean) => {
    const seen = new Set<string>([id]);
    const walk = (from: string, prefix: string) => {
      const list = (up ? into : outOf).get(from) ?? [];
      list.forEach((e, i) => {
        const last = i === list.length - 1;
        const childId = up ? e.from : e.to;
        const child = nodes.get(childId)!;
        const branch = last ? '└─ ' : '├─ ';
        const again = seen.has(childId);
        seen.add(childId);
        lines.push(
          `${prefix}${branch}${style.dim(verb(e, nodes, up))} ${style.safe(nodeText(child))}${again ? style.dim(' (shown above)') : ''}${!again && child.stale ? '  ' + style.stale('⚠ ' + style.safe(staleText(child))) : ''}`,
        );
        if (!again) walk(childId, prefix + (last ? '   ' : '│  '));
      });
    };
    walk(id, '');
  };
  const target = nodes.get(g.target);
  if (!target) return 'Nothing recorded for this target.';
  for (const n of g.notes) lines.push(style.dim(style.safe(n)));
  line(target, '', '');
  if (g.direction !== 'down') {
    lines.push(style.bold('Made from:'));
    const before = lines.length;
    tree(g.target, true);
    if (lines.length === before) lines.push(style.dim('   (raw data: no recorded run wrote it)'));
  }
  if (g.direction !== 'up') {
    lines.push(style.bold('Led to:'));
    const before = lines.length;
    tree(g.target, false);
    if (lines.length === before) lines.push(style.dim('   (nothing recorded used it)'));
  }
  const staleRuns = g.nodes.filter((n) => n.kind === 'run' && n.stale && !n.supersededBy);
  const rerun = g.nodes.filter((n) => n.kind === 'run' && n.supersededBy);
  if (staleRuns.length)
    lines.push(
      style.stale(`${staleRuns.length} stale step${staleRuns.length === 1 ? '' : 's'}: ${staleRuns.map((n) => style.safe(n.label)).join(', ')}.`) +
        ' `lineage rerun-stale <target>` re-runs the stale steps upstream of a target.',
    );
  if (rerun.length)
    lines.push(`Re-run since and up to date: ${rerun.map((n) => `${style.safe(n.label)} as ${style.safe(n.supersededBy!.runName)}`).join(', ')}.`);
  if (!staleRuns.length && !rerun.length) lines.push('Up to date: every step read the content its inputs hold now.');
  return lines.join('\n');
}

/** A Graphviz string literal: quotes, backslashes and line breaks escaped. */
function q(s: string): string {
  return `"${s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n|\r/g, '\\n')}"`;
}

/** Graphviz, left to right: data as notes, runs as boxes, models as components; stale nodes red and labelled so. */
export function graphDot(g: LineageGraph): string {
  const out = ['digraph lineage {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];'];
  for (const n of g.nodes) {
    const shape = n.kind === 'run' ? 'box' : n.kind === 'model' ? 'component' : 'note';
    const label =
      n.kind === 'data'
        ? `${n.label}\n${n.sha256 ? n.sha256.slice(0, 12) : 'not fingerprinted'}${n.state === 'changed' ? '\n(changed since)' : ''}`
        : n.kind === 'run'
          ? `${n.label}\n${n.status}`
          : `${n.label}\nmodel of ${n.runName}`;
    const attrs = [`label=${q(n.stale ? `${label}\nSTALE` : label)}`, `shape=${shape}`];
    if (n.stale) attrs.push('color="#c62828"', 'fontcolor="#c62828"', `tooltip=${q(n.reasons.join('; '))}`);
    if (n.target) attrs.push('penwidth=2');
    out.push(`  ${q(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of g.edges) out.push(`  ${q(e.from)} -> ${q(e.to)}${e.kind === 'same-content' ? ' [style=dashed]' : ''};`);
  out.push('}');
  return out.join('\n') + '\n';
}
