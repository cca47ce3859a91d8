// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const REPRODUCE_HELP = `lineage reproduce <run>`;

export function reproduceCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('reproduce: not available in this build yet'));
}
