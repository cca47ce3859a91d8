// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const RERUN_STALE_HELP = `lineage rerun-stale <target>`;

export function rerunStaleCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('rerun-stale: not available in this build yet'));
}
