import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { capstanPackage, satisfiesNodeRange } from './node-version.ts';

const root = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };

test('satisfiesNodeRange compares major, minor and patch against a >= bound', () => {
  assert.equal(satisfiesNodeRange('22.18.0', '>=22.18.0'), true);
  assert.equal(satisfiesNodeRange('v24.1.0', '>=22.18.0'), true);
  assert.equal(satisfiesNodeRange('22.19.3', '>=22.18.0'), true);
  assert.equal(satisfiesNodeRange('22.17.9', '>=22.18.0'), false);
  assert.equal(satisfiesNodeRange('20.20.2', '>=22.18.0'), false);
  assert.equal(satisfiesNodeRange('23.0.0', '>=22.18.0'), true);
  assert.throws(() => satisfiesNodeRange('24.0.0', '^22.18.0'), /unsupported engines.node range/);
});

test('capstanPackage reads the shipped package.json', () => {
  assert.deepEqual(capstanPackage(), { version: pkg.version, nodeRange: pkg.engines.node });
});

test('capstan --version and -V print the version', () => {
  for (const flag of ['--version', '-V']) {
    const result = spawnSync(process.execPath, [join(root, 'src/cli/main.ts'), flag], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${pkg.version}\n`);
  }
});

/**
 * A `node` outside the supported range: the system's (Node 20 on the project's machines), found on PATH outside
 * node_modules; where the system Node is recent, Node 20 from npm.
 */
function oldNode(): { command: string; prefix: string[]; version: string } {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    if (!dir || dir.includes('node_modules') || !existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (version && !satisfiesNodeRange(version, pkg.engines.node)) return { command: candidate, prefix: [], version };
  }
  const npx = ['exec', '--yes', '--package=node@20', '--', 'node'];
  const version = spawnSync('npm', [...npx, '--version'], { encoding: 'utf8' }).stdout.trim();
  assert.match(version, /^v20\./, 'Node 20 from npm (npm exec --package=node@20)');
  return { command: 'npm', prefix: npx, version };
}

test('an unsupported Node gets a sentence naming the Node it needs and the one it found, and exit code 1', () => {
  const node = oldNode();
  // The compiled CLI, as the package's `bin` runs it (npm test builds dist/ before the unit tests).
  const main = join(root, 'dist/cli/main.js');
  assert.ok(existsSync(main), `${main} exists (run npm run build)`);
  const result = spawnSync(node.command, [...node.prefix, main, '--version'], { encoding: 'utf8' });
  assert.equal(result.status, 1, `exit code with ${node.version}; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`^capstan needs Node\\.js ${pkg.engines.node}; this is Node\\.js ${node.version.slice(1)} `));
  assert.doesNotMatch(result.stderr, /SyntaxError|\n\s+at /, 'no stack trace');
});
