// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real command.
import { CliError } from '../errors';

export const GRAPH_HELP = `lineage graph <run|path|model> [--dot|--json]`;

export function graphCommand(argv: string[]): Promise<number> {
  void argv;
  return Promise.reject(new CliError('graph: not available in this build yet'));
}
