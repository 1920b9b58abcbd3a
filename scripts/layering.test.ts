// The layer table is enforced by ESLint: lint fixture imports with the project's own layer rules and check
// that forbidden ones are reported (relative paths included) and allowed ones are not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { exampleRules, layerRules } from '../eslint.layers.js';

const eslint = new ESLint({
  cwd: new URL('..', import.meta.url).pathname,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerRules, exampleRules],
});

async function restrictedImports(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('a lower layer importing a higher one is an error, through relative paths too', async () => {
  const forbidden: Array<[string, string]> = [
    ['src/watch/watcher.ts', "import { Store } from '../cache/index.ts';"],
    ['src/watch/watcher.ts', "import { Store } from '../cache/store.ts';"],
    ['src/client/deep/x.ts', "import { Queue } from '../../queue/index.ts';"],
    ['src/core/types.ts', "import { KubeClient } from '../client/index.ts';"],
    ['src/cache/store.ts', "import type { KubeClient } from '../client/kube-client.ts';"],
    ['src/queue/queue.ts', "import { controller } from 'capstan/controller';"],
    ['src/controller/runner.ts', "import { Manager } from '../manager/index.ts';"],
    ['src/crd/schema.ts', "export { x } from '../testing/index.ts';"],
    ['src/kinds/apps/v1.ts', "import type { KubeClient } from '../../client/index.ts';"],
    ['src/queue/queue.ts', "import type { Pod } from '../kinds/core/v1.ts';"],
  ];
  for (const [file, source] of forbidden) {
    const messages = await restrictedImports(file, source);
    assert.equal(messages.length, 1, `${file}: ${source} must be refused`);
    assert.match(messages[0]!, /may import only/);
  }
});

test('imports the table allows are accepted', async () => {
  const allowed: Array<[string, string]> = [
    ['src/watch/watcher.ts', "import { KubeClient } from '../client/index.ts';"],
    ['src/watch/watcher.ts', "import { CapstanError } from '../core/index.ts';"],
    ['src/watch/watcher.ts', "import { sleep } from '../internal/sleep.ts';"],
    ['src/watch/watcher.ts', "import { step } from './state.ts';"],
    ['src/cache/store.ts', "import { watch } from '../watch/index.ts';"],
    ['src/testing/x.ts', "import { Manager } from '../manager/index.ts';"],
    ['src/cache/store.ts', "import { LRU } from 'lru-cache';"],
    ['src/kinds/apps/v1.ts', "import { defineKind } from '../../core/index.ts';"],
    ['src/kinds/apps/v1.ts', "import type { PodTemplateSpec } from '../core/v1.ts';"],
    ['src/leader/lease.ts', "import { Lease } from '../kinds/coordination/v1.ts';"],
    ['src/manifests/deployment.ts', "import type { Deployment } from 'capstan/kinds/apps/v1';"],
  ];
  for (const [file, source] of allowed) {
    assert.deepEqual(await restrictedImports(file, source), [], `${file}: ${source} is allowed`);
  }
});

test('examples reach Capstan only through its package name', async () => {
  assert.equal((await restrictedImports('examples/hello-world/src/operator.ts', "import { x } from '../../../src/index.ts';")).length, 1);
  assert.deepEqual(await restrictedImports('examples/hello-world/src/operator.ts', "import { x } from 'capstan';"), []);
});
