// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const SYNC_HELP = `lineage sync --to <remote>`;

export function syncCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('sync: not available in this build yet'));
}
