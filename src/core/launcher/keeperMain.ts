/** Entry point of dist/runKeeper.js (see keeper.ts); the configuration is the first argument. */
import { runKeeper, KeeperConfig } from './keeper';

runKeeper(JSON.parse(process.argv[2]) as KeeperConfig);
