import { lineageGraph } from '../../core/graph/lineageGraph';
import { graphDot, graphText } from '../../core/graph/render';
import { GraphTargetError } from '../../core/graph/target';
import { RunNotFoundError } from '../../core/runs/queries';
import type { Direction } from '../../core/graph/types';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { CliError } from '../errors';
import { color, safe } from '../format';

export const GRAPH_HELP = `lineage graph <run|path|model> [--dot|--json] [--up|--down]

Which data and runs made what: the chain back to raw data and forward to what used it. Runs are linked
through data: a run that read content another run wrote depends on it. A step is stale when a file it read
holds other content now, or when a step upstream of it is stale.

  <run>            a run id, id prefix or name
  <path>           a file a run read or wrote (its current content)
  <run>:<model>    a model a run logged, e.g. brisk-harbor-7:model.pkl

Options:
  --up              only what it was made from
  --down            only what used it
  --dot             Graphviz (lineage graph train --dot | dot -Tsvg > lineage.svg)
  --json            the graph as JSON: nodes (data, run, model), edges (read, write), staleness with reasons
  --workspace DIR   the folder holding .lineage

Exit code 0 (stale steps are reported, not an error); 1 when the target is unknown.`;

export async function graphCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { dot: 'bool', json: 'bool', up: 'bool', down: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) {
    console.log(GRAPH_HELP);
    return 0;
  }
  if (a.positional.length === 0) throw new UsageError('give a run, a data file or a model: lineage graph train');
  noMoreThan(a.positional, 1, 'lineage graph takes one target');
  if (a.flags.dot && a.flags.json) throw new UsageError('--dot and --json are two formats: give one');
  if (a.flags.up && a.flags.down) throw new UsageError('--up and --down together are the default (both): give one or neither');
  const direction: Direction = a.flags.up ? 'up' : a.flags.down ? 'down' : 'both';
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    let result;
    try {
      result = await lineageGraph(ws.store, ws.paths.workspace, a.positional[0], direction);
    } catch (err) {
      if (err instanceof GraphTargetError || err instanceof RunNotFoundError) throw new CliError(safe(err.message));
      throw err;
    }
    const g = result.graph;
    if (process.env.LINEAGE_GRAPH_TIMINGS === '1') process.stderr.write(`lineage: graph timings ${JSON.stringify(result.timings)}\n`);
    if (a.flags.json) process.stdout.write(JSON.stringify(g, null, 2) + '\n');
    else if (a.flags.dot) process.stdout.write(graphDot(g));
    else process.stdout.write(graphText(g, { stale: color.yellow, dim: color.dim, bold: color.bold, safe }) + '\n');
    return 0;
  } finally {
    // Fingerprints taken now are kept in the stat cache for the next call.
    await saveQuietly(ws);
    ws.close();
  }
}
