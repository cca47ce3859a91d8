import { listRuns, resolveRun } from '../../core/runs/queries';
import { readConfigRegistries } from '../../core/registry/config';
import { credentialsFromEnv } from '../../core/registry/credentials';
import { RegistryUsageError } from '../../core/registry/referenceError';
import { RegistryError, type Credentials, type RegistryConfig } from '../../core/registry/types';
import { trackingBase } from '../../core/registry/mlflow/http';
import { SyncBusyError, syncRuns } from '../../core/registry/mlflow/sync';
import type { LineagePaths } from '../../core/util/lineagePaths';
import { parseArgs, UsageError } from '../args';
import { CliError } from '../errors';
import { color, safe } from '../format';
import { openWorkspace, progressPrinter, saveQuietly, workspaceDirFrom } from '../context';

export const SYNC_HELP = `lineage sync --to <remote> [--experiment E] [--since DATE|DURATION] [--run R[,R…]] [run…] [--json]

Mirrors runs to an MLflow tracking server so a team sees them: each run becomes one MLflow run (in the
MLflow experiment of the same name), with its params, tags (git commit, lineage) and every metric point.
Syncing again sends only what is new: a run is found again by its lineage.run_id tag, and the points
already sent are remembered in .lineage/registry/sync/<host>.json (or read back from the server).
Imported runs are never sent back.

  <remote>      a registry of kind "mlflow" named in .lineage/config.json, or mlflow://HOST:PORT,
                mlflow+https://HOST, http(s)://HOST[:PORT]
  --since       runs started since a date (2026-12-01) or a duration ago (90m, 12h, 7d)
Credentials from the environment: MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and _PASSWORD
(or LINEAGE_REGISTRY_<NAME>_TOKEN …).
One sync of a workspace at a time: another waits up to 60 s (LINEAGE_SYNC_WAIT_MS) for it to finish.`;

/** LINEAGE_SYNC_WAIT_MS when it is a positive number, else undefined (the lock's own default, 60 s); push reads it too. */
export function syncWaitMs(): number | undefined {
  const ms = Number(process.env.LINEAGE_SYNC_WAIT_MS);
  return ms > 0 ? ms : undefined;
}

/** A configured MLflow registry by name, or one made from a URL. */
export function resolveRemote(text: string, paths: LineagePaths): RegistryConfig {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    if (!/^(mlflow(\+https?)?|https?):\/\//i.test(text))
      throw new UsageError(`"${text}": give an MLflow tracking server as mlflow://HOST:PORT or http(s)://HOST[:PORT]`);
    if (/^[a-z+]+:\/\/[^/]*@/i.test(text))
      throw new UsageError(`"${text}": no user name or password in the URL; set MLFLOW_TRACKING_USERNAME and _PASSWORD instead`);
    try {
      const url = trackingBase(text);
      return { name: new URL(url).host, kind: 'mlflow', url };
    } catch (err) {
      throw new UsageError(err instanceof RegistryError ? `${err.message} ${err.hint}` : String(err));
    }
  }
  let registries: RegistryConfig[];
  try {
    registries = readConfigRegistries(paths.root);
  } catch (err) {
    if (err instanceof RegistryUsageError) throw new UsageError(err.message);
    throw err;
  }
  const found = registries.find((r) => r.name === text);
  if (!found) {
    const names = registries.filter((r) => r.kind === 'mlflow').map((r) => r.name);
    throw new UsageError(
      `"${text}" is not a configured registry${names.length ? ` (MLflow registries: ${names.join(', ')})` : ''}; give its name from .lineage/config.json or a URL like mlflow://HOST:PORT`,
    );
  }
  if (found.kind !== 'mlflow') throw new UsageError(`"${text}" is an ${found.kind} registry; sync and import need an MLflow tracking server`);
  return found;
}

export function remoteCredentials(registry: RegistryConfig): Credentials | undefined {
  return credentialsFromEnv(registry).credentials;
}

/** A RegistryError as a CLI error: what happened, then what to do. */
export function registryFailure(err: unknown): never {
  if (err instanceof RegistryError) throw new CliError(`${err.message} ${err.hint}`);
  throw err;
}

export function parseSince(text: string, now = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (d) {
    const unit = { m: 60e3, min: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[d[2].toLowerCase() as 'm'];
    return now - Number(d[1]) * unit;
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--since takes a date (2026-12-01, 2026-12-01T10:00Z) or a duration (90m, 12h, 7d), not "${text}"`);
  return t;
}

export async function syncCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { to: 'string', experiment: 'string', since: 'string', run: 'string', json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(SYNC_HELP), 0);
  if (typeof a.flags.to !== 'string') throw new UsageError('say where to: --to <remote> (a configured MLflow registry or mlflow://HOST:PORT)');
  const since = typeof a.flags.since === 'string' ? parseSince(a.flags.since) : undefined;
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    const registry = resolveRemote(a.flags.to, ws.paths);
    const named = [...a.positional, ...(typeof a.flags.run === 'string' ? a.flags.run.split(',') : [])].map((r) => r.trim()).filter(Boolean);
    let runIds: string[];
    if (named.length) runIds = [...new Set(named.map((r) => resolveRun(ws.store, r)))];
    else {
      const experiment = typeof a.flags.experiment === 'string' ? a.flags.experiment : undefined;
      runIds = listRuns(ws.store, { experiment })
        .filter((r) => since === undefined || (r.startedAt ?? 0) >= since)
        .map((r) => r.id)
        .reverse();
    }
    if (!runIds.length) {
      if (!a.flags.json) console.log('No runs to sync.');
      else console.log(JSON.stringify({ server: registry.url, runs: [], skipped: [], pointsSent: 0, requests: 0 }));
      return 0;
    }
    const started = Date.now();
    const report = await syncRuns({
      store: ws.store,
      paths: ws.paths,
      registry,
      credentials: remoteCredentials(registry),
      runIds,
      onRun: progressPrinter(`Syncing to ${registry.name}`),
      lockWaitMs: syncWaitMs(),
    }).catch((err: unknown) => {
      if (err instanceof SyncBusyError) throw new CliError(err.message);
      return registryFailure(err);
    });
    await saveQuietly(ws);
    if (a.flags.json) {
      console.log(JSON.stringify({ ...report, ms: Date.now() - started }, null, 2));
      return 0;
    }
    const created = report.runs.filter((r) => r.created).length;
    console.log(
      `Synced ${report.runs.length} run${report.runs.length === 1 ? '' : 's'} to ${safe(report.server)}: ${created} new, ${report.runs.length - created} already there; ` +
        `${report.pointsSent.toLocaleString('en-US')} new metric points in ${report.requests} requests.`,
    );
    for (const s of report.skipped) console.log(color.dim(`  skipped ${s.runId}: ${safe(s.why)}`));
    return 0;
  } finally {
    ws.close();
  }
}
