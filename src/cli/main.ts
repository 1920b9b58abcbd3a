#!/usr/bin/env node
import { Command } from 'commander';
import { ensureAssets } from '../testing/index.ts';
import { CliFailure, controlPlaneCommand } from './control-plane-command.ts';

const program = new Command('capstan')
  .description('Kubernetes operators in TypeScript')
  .showHelpAfterError();

program.addCommand(controlPlaneCommand());

program.command('assets')
  .description('build (or find) etcd, kube-apiserver, kube-controller-manager and kubectl, and print their paths')
  .action(async () => {
    const assets = await ensureAssets();
    process.stdout.write(`${JSON.stringify(assets, null, 2)}\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`capstan: ${err instanceof CliFailure ? err.message : (err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}
