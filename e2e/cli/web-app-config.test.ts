// examples/web-app/config/ is what the code says, webhooks included: `capstan generate` on a copy of the example
// writes exactly the committed files (config/webhook with the ValidatingWebhookConfiguration calling the webhook
// Service, the Service, the manager's webhook port). No cluster.
import assert from 'node:assert/strict';
import { cp, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertSameConfig } from '../support/generated-config.ts';
import { fixtureDir, repoRoot, runCli } from './run-cli.ts';

const exampleRoot = join(repoRoot, 'examples', 'web-app');

test('the committed config/ of examples/web-app is exactly what `capstan generate` writes from the code', {
  timeout: 120_000,
}, async () => {
  const root = join(await fixtureDir('web-app'), 'web-app');
  try {
    await mkdir(join(root, 'node_modules'), { recursive: true });
    for (const path of ['package.json', 'tsconfig.json', 'src', 'config'])
      await cp(join(exampleRoot, path), join(root, path), { recursive: true });
    // As in the example itself, `capstan` is this repository.
    await symlink(repoRoot, join(root, 'node_modules', 'capstan'));
    const generated = await runCli(['generate'], { cwd: root, timeoutMs: 60_000 });
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(
      generated.stdout,
      /1 custom resource\(s\), 1 controller\(s\); 0 file\(s\) written, \d+ unchanged, 0 removed/,
      `run \`capstan generate\` in examples/web-app and commit the result:\n${generated.stdout}`,
    );
    const committed = await assertSameConfig(root, exampleRoot);
    assert.ok(committed.includes('webhook/manifests.yaml') && committed.includes('webhook/service.yaml'), committed.join(', '));
  } finally {
    await rm(join(root, '..'), { recursive: true, force: true });
  }
});
