// Loaded before anything else by main.ts, so it must parse and run on any Node a user may have (no type-only
// syntax beyond what type stripping erases, no import newer than node:fs).
import { readFileSync } from 'node:fs';

/** What `capstan` reads of its own package.json. */
export interface CapstanPackage {
  version: string;
  /** The `engines.node` range, e.g. `>=22.18.0`. */
  nodeRange: string;
}

/** Capstan's version and the Node range it supports, from the package.json it ships with. */
export function capstanPackage(): CapstanPackage {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    engines: { node: string };
  };
  return { version: pkg.version, nodeRange: pkg.engines.node };
}

/**
 * Whether `version` (e.g. `20.20.2`) is in `range`, which is a `>=x.y.z` lower bound (the only form
 * Capstan's `engines.node` uses; anything else is refused loudly rather than guessed at).
 */
export function satisfiesNodeRange(version: string, range: string): boolean {
  const bound = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!bound) throw new Error(`unsupported engines.node range "${range}": expected >=x.y.z`);
  const have = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const want = Number(bound[i + 1]);
    const part = have[i] ?? 0;
    if (part !== want) return part > want;
  }
  return true;
}

/** The sentence an unsupported Node gets instead of a stack trace. */
export function unsupportedNodeMessage(found: string, range: string, execPath: string): string {
  return (
    `capstan needs Node.js ${range}; this is Node.js ${found.replace(/^v/, '')} (${execPath}).\n` +
    'Install a Node.js in that range (https://nodejs.org/en/download) and run capstan with it.\n'
  );
}
