import type { GraphNode } from './protocol';

export function kindWord(n: GraphNode): string {
  return n.kind === 'run' ? 'Run' : n.kind === 'model' ? 'Model' : 'Data';
}

/** The node's second line: a data version's sha256 and state, a run's status, a model's run. */
export function subLine(n: GraphNode): string {
  if (n.kind === 'run') return n.status ?? '';
  if (n.kind === 'model') return `model of ${n.runName ?? ''}`;
  const sha = n.sha256 ? n.sha256.slice(0, 10) : 'not fingerprinted';
  return n.state === 'changed' ? `${sha} · old version` : n.state === 'missing' ? `${sha} · file gone` : sha;
}

/** What a screen reader says for a node: kind, name, state, why it is stale, and what Enter does. */
export function accessibleName(n: GraphNode, reads: number, writes: number): string {
  const parts = [`${kindWord(n)} ${n.label}`];
  if (n.kind === 'run') parts.push(n.status ?? '');
  if (n.kind === 'data') {
    parts.push(n.sha256 ? `version ${n.sha256.slice(0, 12)}` : 'not fingerprinted');
    if (n.state === 'changed') parts.push('the file holds other content now');
    if (n.state === 'missing') parts.push('the file is gone now');
  }
  if (n.kind === 'model') parts.push(`of run ${n.runName ?? ''}`);
  parts.push(n.stale ? `stale: ${n.reasons.join('; ')}` : 'up to date');
  if (n.supersededBy) parts.push(`re-run since as ${n.supersededBy.runName}, which is up to date`);
  if (reads) parts.push(`${reads} input${reads === 1 ? '' : 's'}`);
  if (writes) parts.push(`${writes} output${writes === 1 ? '' : 's'}`);
  parts.push(n.kind === 'data' ? 'Enter reveals the file' : 'Enter opens the run');
  return parts.filter(Boolean).join(', ');
}
