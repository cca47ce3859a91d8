// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const IMPORT_HELP = `lineage import --from <remote> --experiment E`;

export function importCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('import: not available in this build yet'));
}
