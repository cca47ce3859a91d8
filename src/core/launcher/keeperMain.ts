/** Entry point of dist/runKeeper.js (see keeper.ts); the configuration is the first argument. */
import { runKeeper, KeeperConfig } from './keeper';

/** What launchRun passes: the keeper's configuration, and variables kept from the keeper's own start. */
export interface KeeperStart extends KeeperConfig {
  /** NODE_OPTIONS and NODE_EXTRA_CA_CERTS as the launcher had them: given back to the script (and the captures). */
  restoreEnv?: Record<string, string>;
}

const start = JSON.parse(process.argv[2]) as KeeperStart;
Object.assign(process.env, start.restoreEnv);
runKeeper(start);
