// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const MODEL_CARD_HELP = `lineage model-card <run> [--out FILE]`;

export function modelCardCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('model-card: not available in this build yet'));
}
