/**
 * Starts the MLflow stand-in (test/helpers/mlflowStandin: NOT MLflow, a test double checked against recorded
 * real traffic) as its own process for bench/sync_mlflow.mjs, so the server does not share an event loop with
 * the client being measured. Prints `{"port": N}` on one line, then serves until stdin closes.
 */
import { startMlflowStandin } from '../../test/helpers/mlflowStandin/server';

void startMlflowStandin().then((server) => {
  process.stdout.write(JSON.stringify({ port: server.port }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
});
