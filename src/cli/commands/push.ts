// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const PUSH_HELP = `lineage push <run> --to <reference>`;

export function pushCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('push: not available in this build yet'));
}
