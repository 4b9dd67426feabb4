// Runs the CLI from source, for tests that need a real `switchyard` process (signals, kill -9).
import { main } from '../../src/cli/index.js';

await main(process.argv);
