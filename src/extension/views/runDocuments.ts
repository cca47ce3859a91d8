import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import { formatDuration, formatNumber } from '../../core/util/format';

export const RUN_SCHEME = 'lineage-run';

export function runDetailUri(ids: string, kind: 'run' | 'compare' = 'run'): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${kind === 'run' ? ids : 'compare'}.md`, query: `${kind}=${ids}` });
}

/**
 * A run, or a comparison of runs, as a read-only Markdown document: searchable and copyable with the
 * editor's own tools. (The plotted comparison and run panels are webviews of their own.)
 */
export class RunDocuments implements vscode.TextDocumentContentProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly state: ExtensionContextState) {
    state.onDidChangeRuns(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === RUN_SCHEME) this.emitter.fire(doc.uri);
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const folder = this.state.folderOf();
    if (!folder) return 'Open a folder to see its runs.';
    const ws = await this.state.workspace(folder);
    const query = new URLSearchParams(uri.query);
    const { getRun } = await import('../../core/runs/queries');
    try {
      if (query.has('compare')) {
        const { compareRuns } = await import('../../cli/commands/compare');
        const runs = query.get('compare')!.split(',').map((id) => getRun(ws.store, id));
        const cmp = compareRuns(runs);
        const lines = [`# Compare ${runs.length} runs`, '', `| | ${runs.map((r) => cell(r.name)).join(' | ')} |`, `|---|${runs.map(() => '---').join('|')}|`];
        lines.push(`| status | ${runs.map((r) => r.status).join(' | ')} |`);
        lines.push(`| id | ${runs.map((r) => '`' + r.id + '`').join(' | ')} |`);
        for (const p of cmp.params) lines.push(`| ${p.differs ? '**' + cell(p.key) + '** ≠' : cell(p.key)} | ${p.values.map((v) => (v === undefined ? '—' : cell(String(v)))).join(' | ')} |`);
        for (const m of cmp.metrics)
          lines.push(`| ${m.differs ? '**' + cell(m.key) + '** ≠' : cell(m.key)} | ${m.values.map((v, i) => (v === null ? '—' : formatNumber(v) + (m.best === i ? ' ★' : ''))).join(' | ')} |`);
        return lines.join('\n') + '\n';
      }
      const r = getRun(ws.store, query.get('run') ?? '');
      const out = [`# ${r.name}`, '', `- id: \`${r.id}\``, `- experiment: ${r.experiment}`, `- status: ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`, `- duration: ${formatDuration(r.durationMs)}`, `- command: \`${r.command.join(' ')}\``];
      if (r.git) out.push(`- git: ${r.git.commit} on ${r.git.branch}${r.git.dirty ? ' (uncommitted changes in git.diff)' : ''}`);
      if (r.python) out.push(`- python: ${r.python.path} ${r.python.version ?? ''} (${r.python.packages} packages)`);
      if (r.note) out.push('', `> ${r.note}`);
      if (r.error) out.push('', '```', r.error.trim(), '```');
      const params = Object.entries(r.params);
      if (params.length) out.push('', '## Params', '', '| key | value |', '|---|---|', ...params.map(([k, v]) => `| ${cell(k)} | ${cell(String(v))} |`));
      if (r.metrics.length)
        out.push('', '## Metrics', '', '| key | last | min | max | points |', '|---|---|---|---|---|', ...r.metrics.map((m) => `| ${cell(m.key)} | ${formatNumber(m.last)} | ${formatNumber(m.min)} | ${formatNumber(m.max)} | ${m.count} |`));
      const tags = Object.entries(r.tags);
      if (tags.length) out.push('', '## Tags', '', ...tags.map(([k, v]) => `- ${k} = ${v}`));
      if (r.datasets.length) out.push('', '## Datasets', '', ...r.datasets.map((d) => `- ${d.role}: ${d.path}`));
      if (r.artifacts.length) out.push('', '## Artifacts', '', ...r.artifacts.map((a) => `- ${a.path} (${a.kind}${a.flavor ? ', ' + a.flavor : ''})`));
      if (r.warnings.count) out.push('', `## ${r.warnings.count} skipped event line(s)`, '', ...r.warnings.first.map((w) => `- line ${w.line}: ${w.message}`));
      return out.join('\n') + '\n';
    } catch (err) {
      return `# Run not found\n\n${(err as Error).message}\n`;
    }
  }
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
