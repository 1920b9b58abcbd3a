// Each example's config/ and Helm chart are what its code says, webhooks and versions included: `capstan generate` on
// a copy of the example writes exactly the committed files (web-app: config/webhook with the
// ValidatingWebhookConfiguration calling the webhook Service, the Service, the manager's webhook port; cronjob:
// besides, both versions in the CRD with its conversion webhook, and the MutatingWebhookConfiguration; both: their
// chart's webhook template). A plain `generate` keeps an existing chart current, so the committed chart is checked by
// the same run. No cluster.
import assert from 'node:assert/strict';
import { cp, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertSameConfig } from '../support/generated-config.ts';
import { fixtureDir, repoRoot, runCli } from './run-cli.ts';

const examples = [
  {
    name: 'web-app',
    summary: '1 custom resource(s), 1 controller(s)',
    files: ['config/webhook/manifests.yaml', 'config/webhook/service.yaml', 'chart/templates/webhook.yaml'],
  },
  {
    name: 'cronjob',
    summary: '2 custom resource(s), 1 controller(s)',
    files: [
      'config/crd/cronjobs.batch.tutorial.kubebuilder.io.yaml',
      'config/webhook/manifests.yaml',
      'config/webhook/service.yaml',
      'chart/templates/webhook.yaml',
    ],
  },
];

for (const example of examples) {
  test(`the committed config/ and chart/ of examples/${example.name} are exactly what \`capstan generate\` writes from the code`, {
    timeout: 120_000,
  }, async () => {
    const exampleRoot = join(repoRoot, 'examples', example.name);
    // Under the repository (fixtureDir): the copy resolves typebox, cron-parser and the rest from its node_modules.
    const root = join(await fixtureDir(example.name), example.name);
    try {
      await mkdir(join(root, 'node_modules'), { recursive: true });
      for (const path of ['package.json', 'tsconfig.json', 'src', 'config', 'chart'])
        await cp(join(exampleRoot, path), join(root, path), { recursive: true });
      // As in the example itself, `capstan` is this repository.
      await symlink(repoRoot, join(root, 'node_modules', 'capstan'));
      const generated = await runCli(['generate'], { cwd: root, timeoutMs: 60_000 });
      assert.equal(generated.code, 0, generated.stderr);
      assert.match(
        generated.stdout,
        new RegExp(`${example.summary.replace(/[()]/g, '\\$&')}; 0 file\\(s\\) written, \\d+ unchanged, 0 removed`),
        `run \`capstan generate --helm\` in examples/${example.name} and commit the result:\n${generated.stdout}`,
      );
      const committed = await assertSameConfig(root, exampleRoot);
      assert.ok(
        example.files.every((file) => committed.includes(file)),
        committed.join(', '),
      );
    } finally {
      await rm(join(root, '..'), { recursive: true, force: true });
    }
  });
}
