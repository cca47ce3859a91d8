// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const PULL_HELP = `lineage pull <reference> [--to DIR]`;

export function pullCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('pull: not available in this build yet'));
}
