import { importRuns } from '../../core/registry/mlflow/importRuns';
import { parseArgs, UsageError, noMoreThan } from '../args';
import { color, safe } from '../format';
import { openWorkspace, progressPrinter, saveQuietly, workspaceDirFrom } from '../context';
import { registryFailure, remoteCredentials, resolveRemote } from './sync';

export const IMPORT_HELP = `lineage import --from <remote> --experiment E [--json]

Brings the runs of an MLflow experiment (a team member's, say) into this workspace as read-only runs:
params, every metric point with its step and time, tags, status and times, so \`lineage compare\` and the
editor's Compare work across local and imported runs. Each is tagged lineage.imported_from=<server>/<run id>
and cannot be re-run here. Importing again adds only runs not imported yet.

  <remote>  a registry of kind "mlflow" named in .lineage/config.json, or mlflow://HOST:PORT, http(s)://…
Credentials from the environment: MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and _PASSWORD.`;

export async function importCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { from: 'string', experiment: 'string', json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(IMPORT_HELP), 0);
  noMoreThan(a.positional, 0, 'import takes --from and --experiment');
  if (typeof a.flags.from !== 'string') throw new UsageError('say where from: --from <remote> (a configured MLflow registry or mlflow://HOST:PORT)');
  if (typeof a.flags.experiment !== 'string' || !a.flags.experiment.trim()) throw new UsageError('say which MLflow experiment: --experiment NAME');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: true });
  try {
    const registry = resolveRemote(a.flags.from, ws.paths);
    const report = await importRuns({
      paths: ws.paths,
      registry,
      credentials: remoteCredentials(registry),
      experiment: a.flags.experiment,
      onRun: progressPrinter(`Importing from ${registry.name}`),
    }).catch(registryFailure);
    await ws.sync();
    await saveQuietly(ws);
    if (a.flags.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    console.log(
      `Imported ${report.imported.length} run${report.imported.length === 1 ? '' : 's'} of "${safe(report.experiment)}" from ${safe(report.server)}` +
        (report.existing.length ? ` (${report.existing.length} already here)` : '') +
        '.',
    );
    for (const r of report.imported) console.log(`  ${r.runId}  ${safe(r.name)}  ${r.points.toLocaleString('en-US')} points`);
    for (const s of report.skipped) console.log(color.dim(`  skipped ${s.mlflowRunId}: ${safe(s.why)}`));
    return 0;
  } finally {
    ws.close();
  }
}
