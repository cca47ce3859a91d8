import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { formatDuration, formatNumber } from '../../core/util/format';
import { engine } from '../engine';
import { paramText } from '../../core/events/paramValue';

export const RUN_SCHEME = 'lineage-run';

export function runDetailUri(ids: string, kind: 'run' | 'compare' = 'run'): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${kind === 'run' ? ids : 'compare'}.md`, query: `${kind}=${ids}` });
}

/**
 * A run, or a comparison of runs, as a read-only Markdown document: searchable and copyable with the
 * editor's own tools. (The plotted comparison and run panels are webviews of their own.)
 */
export class RunDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly lineage: Lineage) {
    this.subscription = lineage.onDidChangeRuns(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === RUN_SCHEME) this.emitter.fire(doc.uri);
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const query = new URLSearchParams(uri.query);
    const ids = (query.get('compare') ?? query.get('run') ?? '').split(',');
    // Each run is read in the folder that recorded it (a multi-root window has one index per folder).
    const folderOf = (id: string) => this.lineage.folderOfRun(id) ?? this.lineage.folderOf();
    if (!folderOf(ids[0])) return 'Open a folder to see its runs.';
    const { getRun, compareRuns } = await engine();
    const read = async (id: string) => getRun((await this.lineage.workspace(folderOf(id)!)).store, id);
    try {
      if (query.has('compare')) {
        const runs = await Promise.all(ids.map(read));
        const cmp = compareRuns(runs);
        const lines = [`# Compare ${runs.length} runs`, '', `| | ${runs.map((r) => cell(r.name)).join(' | ')} |`, `|---|${runs.map(() => '---').join('|')}|`];
        lines.push(`| status | ${runs.map((r) => r.status).join(' | ')} |`);
        lines.push(`| id | ${runs.map((r) => '`' + r.id + '`').join(' | ')} |`);
        for (const p of cmp.params)
          lines.push(
            `| ${p.differs ? '**' + cell(p.key) + '** ≠' : cell(p.key)} | ${p.values.map((v) => (v === undefined ? '—' : cell(paramText(v)))).join(' | ')} |`,
          );
        for (const m of cmp.metrics)
          lines.push(
            `| ${m.differs ? '**' + cell(m.key) + '** ≠' : cell(m.key)} | ${m.values.map((v, i) => (v === null ? '—' : formatNumber(v) + (m.best.includes(i) ? ' ★' : ''))).join(' | ')} |`,
          );
        return lines.join('\n') + '\n';
      }
      const r = await read(ids[0]);
      const out = [
        `# ${r.name}`,
        '',
        `- id: \`${r.id}\``,
        `- experiment: ${r.experiment}`,
        `- status: ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`,
        `- duration: ${formatDuration(r.durationMs)}`,
        `- command: \`${r.command.join(' ')}\``,
      ];
      if (r.git) out.push(`- git: ${r.git.commit} on ${r.git.branch}${r.git.dirty ? ' (uncommitted changes in git.diff)' : ''}`);
      if (r.python) out.push(`- python: ${r.python.path} ${r.python.version ?? ''} (${r.python.packages} packages)`);
      if (r.note) out.push('', `> ${r.note}`);
      if (r.error) out.push('', '```', r.error.trim(), '```');
      const params = Object.entries(r.params);
      if (params.length) out.push('', '## Params', '', '| key | value |', '|---|---|', ...params.map(([k, v]) => `| ${cell(k)} | ${cell(paramText(v))} |`));
      if (r.metrics.length)
        out.push(
          '',
          '## Metrics',
          '',
          '| key | last | min | max | points |',
          '|---|---|---|---|---|',
          ...r.metrics.map((m) => `| ${cell(m.key)} | ${formatNumber(m.last)} | ${formatNumber(m.min)} | ${formatNumber(m.max)} | ${m.count} |`),
        );
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

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
