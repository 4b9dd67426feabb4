// Runs the CLI from source, for tests that need a real `switchyard` process (signals, kill -9).
import { runCli } from '../../src/cli/index.js';

await runCli(process.argv);
