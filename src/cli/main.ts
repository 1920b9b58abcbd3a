#!/usr/bin/env node
// The `capstan` command. Everything it imports statically loads on old Node versions too, so that a Node
// outside the supported range gets a sentence saying which Node it needs (exit 1) instead of a SyntaxError
// from a later import (`enableCompileCache`, for one, does not exist before Node 22.1).
import { capstanPackage, satisfiesNodeRange, unsupportedNodeMessage } from './node-version.ts';

const { nodeRange } = capstanPackage();
if (!satisfiesNodeRange(process.versions.node, nodeRange)) {
  process.stderr.write(unsupportedNodeMessage(process.versions.node, nodeRange, process.execPath));
  process.exit(1);
}
await import('./run.ts');
