import * as vscode from 'vscode';
import type { Credentials, RegistryConfig, TransferProgress } from '../../core/registry/types';
import { RegistryError } from '../../core/registry/types';
import { formatBytes } from '../../core/util/format';
import type { RegistrySecrets } from './secrets';

/**
 * Runs a registry call with the stored credentials (or none); when the registry says they are missing or
 * wrong, asks once, stores them, and tries again. Credentials are asked only when a registry wants them,
 * so a local open registry never prompts.
 */
export async function withCredentials<T>(secrets: RegistrySecrets, registry: RegistryConfig, call: (c: Credentials | undefined) => Promise<T>): Promise<T> {
  const stored = await secrets.get(registry);
  try {
    return await call(stored);
  } catch (err) {
    if (!(err instanceof RegistryError) || err.kind !== 'auth') throw err;
    const fresh = await secrets.ask(registry, stored ? 'The stored credentials were refused.' : `${registry.name} asks for credentials.`);
    if (!fresh) throw err;
    return call(fresh);
  }
}

/** A cancellable progress notification with bytes and rate; the AbortSignal fires on Cancel. */
export function withTransferProgress<T>(title: string, work: (signal: AbortSignal, onProgress: (p: TransferProgress) => void) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      const started = Date.now();
      let lastPct = 0;
      let lastAt = 0;
      return work(ac.signal, (p) => {
        const now = Date.now();
        const pct = p.bytesTotal ? (100 * p.bytesDone) / p.bytesTotal : 0;
        if (now - lastAt < 250 && p.bytesDone < p.bytesTotal) return;
        lastAt = now;
        const rate = p.bytesDone / Math.max(0.001, (now - started) / 1000);
        progress.report({
          message: `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} · ${formatBytes(Math.round(rate))}/s${p.file ? ` · ${p.file}` : ''}`,
          increment: Math.max(0, pct - lastPct),
        });
        lastPct = pct;
      });
    }),
  );
}

/** A registry failure in words and what to do next; cancelled is said quietly. Never holds a secret (the client guarantees it). */
export function showRegistryError(err: unknown, log: (line: string) => void): void {
  if (err instanceof RegistryError) {
    if (err.kind === 'cancelled') {
      void vscode.window.showInformationMessage('Lineage: cancelled. Push again to resume where it stopped.');
      return;
    }
    log(`${err.message} (${err.hint})`);
    void vscode.window.showErrorMessage(`Lineage: ${err.message} ${err.hint}`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  log(message);
  void vscode.window.showErrorMessage(`Lineage: ${message}`);
}
