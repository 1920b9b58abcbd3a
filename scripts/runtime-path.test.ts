// What an operator loads at run time: every entry point but the test kit, imported as a user's operator imports
// them (by package name, from dist/), must not load the CLI's dependencies (commander, pino-pretty) or
// @kubernetes/client-node (an optional peer dependency, loaded only for auth-provider kubeconfigs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

test('importing every runtime entry point loads neither the CLI-only packages nor @kubernetes/client-node', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const entries = Object.keys(pkg.exports)
    .filter((subpath) => subpath !== './package.json' && subpath !== './testing')
    .map((subpath) => (subpath === '.' ? 'capstan' : `capstan/${subpath.slice(2)}`));
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.push(r.url); return r; } });
    for (const entry of ${JSON.stringify(entries)}) await import(entry);
    process.stdout.write(JSON.stringify(loaded));`;
  // From the example, whose node_modules/capstan is this repository: resolved by package name, as a user's would be.
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(root, 'examples/hello-world'),
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const loaded = JSON.parse(result.stdout) as string[];
  assert.ok(
    loaded.some((url) => url.includes('/dist/manager/')),
    `the entry points were loaded from dist/ (${loaded.length} modules)`,
  );
  const unwanted = loaded.filter((url) => /\/node_modules\/(commander|pino-pretty|@kubernetes\/client-node)\//.test(url));
  assert.deepEqual(unwanted, []);
});
