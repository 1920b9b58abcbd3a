// The walkthrough of the README, with the real kubectl: apply the sample, see it Ready, read the ConfigMap,
// change the message, edit, unlabel and delete the ConfigMap behind the operator's back, delete the HelloWorld.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ConfigMap } from '../../src/kinds/core/v1.ts';
import { managedBy } from '../../examples/hello-world/src/controllers/hello-world.ts';
import { eventually } from '../../src/testing/index.ts';
import type { Scenario } from './scenario.ts';

export async function walkthrough(s: Scenario): Promise<void> {
  const ns = await s.namespace('hw-walk');
  const k = (...args: string[]) => s.kubectl(ns, args);

  assert.match(await k('apply', '-f', 'config/samples/hello-world.yaml'), /^helloworld\.apps\.example\.com\/hello-world created$/m);

  // `kubectl get helloworlds` lists it with Ready True (and by its short name).
  const table = await eventually(
    'kubectl get helloworlds to show Ready True',
    async () => {
      const out = await k('get', 'helloworlds');
      return /^hello-world\s+Hello from the Operator!\s+True\s+\d+s$/m.test(out) ? out : undefined;
    },
    { timeoutMs: 30_000 },
  );
  assert.deepEqual(table.split('\n')[0]?.split(/\s{2,}/), ['NAME', 'MESSAGE', 'READY', 'AGE']);
  assert.match(await k('get', 'hw'), /^hello-world\s+Hello from the Operator!\s+True\s/m);

  // `kubectl get configmap hello-world -o yaml`: the message, our label and our controller reference.
  const yamlText = await k('get', 'configmap', 'hello-world', '-o', 'yaml');
  assert.match(yamlText, /^ {2}message: Hello from the Operator!$/m);
  const configMap = parse(yamlText) as ConfigMap;
  const { object: created } = await s.ready(ns, 'hello-world', { status: 'True', reason: 'Reconciled' });
  assert.equal(configMap.metadata.labels?.['app.kubernetes.io/managed-by'], managedBy);
  assert.deepEqual(configMap.metadata.ownerReferences, [
    {
      apiVersion: 'apps.example.com/v1alpha1',
      kind: 'HelloWorld',
      name: 'hello-world',
      uid: created.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(created.status?.observedGeneration, 1);
  await s.event(ns, 'hello-world', 'Normal', 'Created');

  // `kubectl patch` of spec.name: the ConfigMap follows, the status describes generation 2, an Updated event.
  await k('patch', 'helloworld', 'hello-world', '--type=merge', '-p', JSON.stringify({ spec: { name: 'Hello again!' } }));
  await eventually(
    'the ConfigMap to carry the new message',
    async () => ((await s.configMap(ns, 'hello-world'))?.data?.['message'] === 'Hello again!' ? true : undefined),
    { timeoutMs: 20_000 },
  );
  const { object: patched } = await s.ready(ns, 'hello-world', { status: 'True', reason: 'Reconciled' });
  assert.equal(patched.status?.observedGeneration, 2);
  assert.equal((await s.event(ns, 'hello-world', 'Normal', 'Updated')).note, 'Updated data.message of ConfigMap hello-world');

  // `kubectl edit` (the editor is a script): the message is put back, the key the user added stays.
  const editorDir = await mkdtemp(join(tmpdir(), 'capstan-editor-'));
  try {
    const editor = join(editorDir, 'edit.sh');
    await writeFile(
      editor,
      `#!/bin/sh\nsed -i -e 's/^  message: .*/  message: edited by hand/' -e 's/^data:$/data:\\n  extra: mine/' "$1"\n`,
    );
    await chmod(editor, 0o755);
    assert.match(
      await s.kubectl(ns, ['edit', 'configmap', 'hello-world'], { env: { KUBE_EDITOR: editor } }),
      /^configmap\/hello-world edited$/m,
    );
  } finally {
    await rm(editorDir, { recursive: true, force: true });
  }
  const repaired = await eventually(
    'the edited message to be repaired',
    async () => {
      const cm = await s.configMap(ns, 'hello-world');
      return cm?.data?.['message'] === 'Hello again!' ? cm : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(repaired.data?.['extra'], 'mine', "the user's own key survives the repair");

  // `kubectl label ...-`: the managed-by label removed (the ConfigMap leaves the operator's label-scoped cache) is put back.
  await k('label', 'configmap', 'hello-world', 'app.kubernetes.io/managed-by-');
  await eventually(
    'the label to be put back',
    async () => {
      const cm = await s.configMap(ns, 'hello-world');
      return cm?.metadata.labels?.['app.kubernetes.io/managed-by'] === managedBy && cm.metadata.uid === repaired.metadata.uid
        ? true
        : undefined;
    },
    { timeoutMs: 20_000 },
  );

  // `kubectl delete configmap`: a new one comes back.
  await k('delete', 'configmap', 'hello-world');
  const recreated = await eventually(
    'the deleted ConfigMap to be recreated',
    async () => {
      const cm = await s.configMap(ns, 'hello-world');
      return cm && cm.metadata.uid !== repaired.metadata.uid ? cm : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(recreated.data?.['message'], 'Hello again!');

  // `kubectl delete helloworld hello-world`: the garbage collector removes the ConfigMap.
  assert.match(await k('delete', 'helloworld', 'hello-world'), /deleted/);
  await eventually(
    'the garbage collector to delete the ConfigMap',
    async () => ((await s.configMap(ns, 'hello-world')) === undefined ? true : undefined),
    { timeoutMs: 60_000 },
  );
}
