// What `capstan` runs once main.ts has checked the Node version.
import { enableCompileCache } from 'node:module';
import { capstanProgram } from './commands.ts';
import { CliFailure, describeError } from './failure.ts';

// The commands load their implementation (the client, the schema compiler) on demand; caching its
// compiled code makes every later start faster.
enableCompileCache();

try {
  await capstanProgram().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`capstan: ${err instanceof CliFailure ? err.message : describeError(err)}\n`);
  process.exitCode = 1;
}
