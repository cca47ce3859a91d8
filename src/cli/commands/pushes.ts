// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const PUSHES_HELP = `lineage pushes [--json]`;

export function pushesCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('pushes: not available in this build yet'));
}
