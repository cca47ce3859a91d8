import { readConfigRegistries } from '../../core/registry/config';
import { credentialsFromEnv } from '../../core/registry/credentials';
import { historyNotice, readHistory, type HistoryRead } from '../../core/registry/history';
import { PromotionFlaggedError } from '../../core/registry/promote';
import { RegistryUsageError } from '../../core/registry/referenceError';
import { RegistryError, type Credentials, type RegistryConfig, type TransferProgress } from '../../core/registry/types';
import type { LineagePaths } from '../../core/util/lineagePaths';
import { formatBytes } from '../../core/util/format';
import { CliError } from '../errors';
import { color, safe } from '../format';

/** Shared by push, pull, pushes, promote, rollback and model-card: registries, credentials, history, errors. */

export const REGISTRY_EXIT_CODES = `Exit codes: 0 done, 1 the registry refused or could not be reached (the message says what to do),
2 a usage error (a bad reference, an unknown run, no model), 130 cancelled (Ctrl-C).`;

export function registriesOf(paths: LineagePaths): RegistryConfig[] {
  return guard(() => readConfigRegistries(paths.root));
}

export function credentialsFor(registry: RegistryConfig): Credentials | undefined {
  return credentialsFromEnv(registry).credentials;
}

/** The history, with a torn or unreadable line said on stderr (it is left out, never fatal). */
export function historyOf(paths: LineagePaths): HistoryRead {
  const h = readHistory(paths);
  const notice = historyNotice(h);
  if (notice) process.stderr.write(color.yellow(`lineage: ${safe(notice)}`) + '\n');
  return h;
}

/** Registry failures as a message and what to do next; usage problems as exit 2. Nothing secret is in either. */
export function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    return translate(err);
  }
}

export async function guardAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    return translate(err);
  }
}

function translate(err: unknown): never {
  if (err instanceof RegistryUsageError) throw new CliError(err.message, 2);
  if (err instanceof PromotionFlaggedError) throw new CliError(`${err.message}. Promote anyway with --force (the flags go into the history).`, 3);
  if (err instanceof RegistryError) {
    if (err.kind === 'cancelled') throw new CliError('cancelled; run the same command again to resume where it stopped.', 130);
    throw new CliError(`${err.message.replace(/\.$/, '')}. ${err.hint}`, 1);
  }
  throw err;
}

/** A progress line on stderr (bytes, rate) when a person watches; nothing when stderr is a pipe or a file. */
export function progressLine(label: string): { update: (p: TransferProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update: (p) => {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 200 && p.bytesDone < p.bytesTotal) return;
      last = now;
      shown = true;
      const secs = Math.max(0.001, (now - started) / 1000);
      const pct = p.bytesTotal ? ` (${Math.floor((100 * p.bytesDone) / p.bytesTotal)} %)` : '';
      process.stderr.write(
        `\r\x1b[K${label}: ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}${pct}, ${formatBytes(Math.round(p.bytesDone / secs))}/s`,
      );
    },
    end: () => {
      if (shown) process.stderr.write('\n');
    },
  };
}

/** An AbortSignal that Ctrl-C fires once (a second Ctrl-C ends the process as usual). */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onInt = () => {
    process.off('SIGINT', onInt);
    ac.abort();
  };
  process.on('SIGINT', onInt);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', onInt) };
}
