// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const PROMOTE_HELP = `lineage promote <model> <alias>`;

export function promoteCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('promote: not available in this build yet'));
}

export const ROLLBACK_HELP = `lineage rollback <model> <alias>`;

export function rollbackCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('rollback: not available in this build yet'));
}
