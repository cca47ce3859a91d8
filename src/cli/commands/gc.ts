// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const GC_HELP = `lineage gc [--dry-run]`;

export function gcCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('gc: not available in this build yet'));
}
