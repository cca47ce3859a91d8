/**
 * How a run's lineage reads on an MLflow server: the tags MLflow's own UI understands (mlflow.runName,
 * mlflow.source.git.commit, mlflow.note.content for the description) plus `lineage.*` tags for the rest,
 * and a Markdown description for the registered model version. `lineage.run_id` is what sync matches on.
 */
import * as os from 'node:os';
import type { LineageSummary } from '../types';
import { paramValue, safeKey, tagValue, type KeyValue } from './batches';

export const RUN_ID_TAG = 'lineage.run_id';

export function mlflowUser(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function runTags(l: LineageSummary): KeyValue[] {
  const tags: KeyValue[] = [
    { key: 'mlflow.user', value: mlflowUser() },
    { key: 'mlflow.source.name', value: tagValue(l.command ?? 'lineage') },
    { key: 'mlflow.source.type', value: 'LOCAL' },
  ];
  if (l.gitCommit) tags.push({ key: 'mlflow.source.git.commit', value: l.gitCommit });
  if (l.gitBranch) tags.push({ key: 'mlflow.source.git.branch', value: l.gitBranch });
  tags.push({ key: 'mlflow.note.content', value: tagValue(describeLineage(l)) });
  tags.push({ key: 'mlflow.runName', value: l.runName });
  tags.push({ key: RUN_ID_TAG, value: l.runId });
  if (l.experiment) tags.push({ key: 'lineage.experiment', value: l.experiment });
  if (l.gitDirty !== undefined) tags.push({ key: 'lineage.git.dirty', value: String(l.gitDirty) });
  if (l.python?.version) tags.push({ key: 'lineage.python.version', value: l.python.version });
  if (l.datasets.length) tags.push({ key: 'lineage.datasets', value: tagValue(JSON.stringify(l.datasets)) });
  if (l.explanation) tags.push({ key: 'lineage.explanation', value: tagValue(JSON.stringify(l.explanation)) });
  return tags;
}

export function runParams(l: LineageSummary): KeyValue[] {
  return Object.entries(l.params).map(([k, v]) => ({ key: safeKey(k), value: paramValue(v) }));
}

/** Markdown: which code and data made this model, readable in MLflow's UI. */
export function describeLineage(l: LineageSummary): string {
  const lines = [`Pushed by Lineage from run ${l.runName} (${l.runId}).`];
  if (l.gitCommit) lines.push(`- code: git ${l.gitCommit}${l.gitBranch ? ` on ${l.gitBranch}` : ''}${l.gitDirty ? ' (uncommitted changes)' : ''}`);
  if (l.command) lines.push(`- command: \`${l.command}\``);
  for (const d of l.datasets) lines.push(`- data (${d.role}): ${d.path}${d.sha256 ? ` sha256:${d.sha256}` : ''}`);
  const finals = Object.entries(l.metrics);
  if (finals.length) lines.push(`- metrics: ${finals.map(([k, v]) => `${k}=${v === null ? 'n/a' : v}`).join(', ')}`);
  if (l.python?.version) lines.push(`- python ${l.python.version}`);
  if (l.explanation) lines.push(`- explanation ${l.explanation.name} (${l.explanation.method}): ${l.explanation.top.map((t) => t.feature).join(', ')}`);
  return lines.join('\n');
}
