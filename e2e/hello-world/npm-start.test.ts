// `npm start` at the repository root, as a user runs it: its own local control plane, the operator running
// the sample, the ConfigMap printed, readable logs, the lines to paste into another shell; then Ctrl-C, and
// within 15 s nothing it started is left, not a process and not its control plane's files.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { KubeClient } from '../../src/client/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { eventually } from '../../src/testing/index.ts';
import { assertStoppedByCtrlC, npmStart } from './npm-start.ts';

test('npm start runs the sample on a local control plane, prints its ConfigMap, and Ctrl-C stops everything within 15 s', {
  timeout: 600_000,
}, async () => {
  const { KUBECONFIG: _kubeconfig, CAPSTAN_TEST_CLUSTER: _shared, ...env } = process.env;
  const started = npmStart([], env);
  let kubeconfigPath = '';
  let running: Error | undefined;
  try {
    // The first run builds the binaries (10–25 minutes on 2 cores; `npm test` builds them before this file runs).
    kubeconfigPath = (await started.waitFor(/^ {2}export KUBECONFIG=(\S+)$/m, 540_000))[1]!;
    await started.waitFor(/^Press Ctrl-C to stop\.$/m, 10_000);
    const client = await KubeClient.fromKubeconfig({ kubeconfigPath });
    try {
      const configMap = await eventually(
        "the sample's ConfigMap",
        () => client.resource(ConfigMap).get('hello-world', { namespace: 'default' }),
        { timeoutMs: 10_000 },
      );
      assert.equal(configMap.data?.['message'], 'Hello from the Operator!');
    } finally {
      await client.close();
    }
  } catch (err) {
    running = err as Error;
  }
  const stopped = await started.interrupt(15_000);
  if (running) throw running;
  assertStoppedByCtrlC(started, stopped, 'npm start');

  const output = started.output();
  const inOrder = [
    /^Local control plane up: https:\/\/127\.0\.0\.1:\d+ \(Kubernetes v[\d.]+, etcd v[\d.]+\)$/m,
    /^installed helloworlds\.apps\.example\.com: served as apps\.example\.com\/v1alpha1 HelloWorld$/m,
    /^clusterrole\.rbac\.authorization\.k8s\.io\/hello-world-operator created$/m,
    /^\$ node --max-semi-space-size=1 --heap-growing-percent=20 src\/main\.ts .*as system:serviceaccount:hello-world-system:hello-world-operator$/m,
    /INFO: caches synced/,
    /^helloworld\.apps\.example\.com\/hello-world created$/m,
    /^hello-world\s+Hello from the Operator!\s+True\s+\d+s$/m,
    /^ {2}message: Hello from the Operator!$/m,
    /^ {2}export PATH=\S+:\$PATH$/m,
    /^Press Ctrl-C to stop\.$/m,
    /^stopping the control plane$/m,
  ];
  let at = 0;
  for (const pattern of inOrder) {
    const match = pattern.exec(output.slice(at));
    assert.ok(match, `${pattern} after the earlier lines, in:\n${output}`);
    at += match.index + match[0].length;
  }
  assert.doesNotMatch(output, /^\{"level":/m, 'the logs are made readable, not raw JSON');
  assert.match(output, /INFO( \(hello-world\))?: created ConfigMap hello-world/);

  assert.equal(existsSync(dirname(kubeconfigPath)), false, "the control plane's files are removed");
});
