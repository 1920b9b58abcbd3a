// `npm start -- --use-current-context` on the shared cluster, whose kubeconfig context has a namespace of
// its own: it says which context it is about to change before changing anything, runs the operator under
// its generated RBAC, puts the sample in the context's namespace, and Ctrl-C stops what it started.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { assertStoppedByCtrlC, npmStart } from './npm-start.ts';
import type { Scenario } from './scenario.ts';
import { forbiddenSince } from '../../src/testing/index.ts';
import { operatorUser } from './support.ts';

interface Kubeconfig {
  'current-context': string;
  contexts: Array<{ name: string; context: { cluster: string; namespace?: string } }>;
  clusters: Array<{ name: string; cluster: { server: string } }>;
}

export async function currentContext(s: Scenario): Promise<void> {
  const ns = await s.namespace('hw-current');
  const dir = await mkdtemp(join(tmpdir(), 'capstan-current-context-'));
  try {
    const config = parse(await readFile(s.adminKubeconfig, 'utf8')) as Kubeconfig;
    const context = config.contexts.find((c) => c.name === config['current-context'])!;
    context.context.namespace = ns;
    const server = config.clusters.find((c) => c.name === context.context.cluster)!.cluster.server;
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, stringify(config), { mode: 0o600 });

    const since = new Date();
    const started = npmStart(['--use-current-context'], { ...process.env, KUBECONFIG: kubeconfigPath });
    const ran = await started.waitFor(/^Press Ctrl-C to stop\.$/m, 120_000).then(
      () => undefined,
      (err: unknown) => ({ err }),
    );
    const stopped = await started.interrupt(15_000);
    if (ran) throw ran.err;
    assertStoppedByCtrlC(started, stopped, 'npm start --use-current-context');
    const output = started.output();
    const announced = output.indexOf(
      `npm start will change the cluster of context "${config['current-context']}" (${server}, kubeconfig ${kubeconfigPath}):`,
    );
    assert.ok(announced >= 0, `it names the context first:\n${output}`);
    assert.ok(announced < output.indexOf('$ capstan install'), 'before changing anything');
    assert.match(output, new RegExp(`the sample HelloWorld in namespace ${ns}\\.`));
    assert.match(output, /^ {2}message: Hello from the Operator!$/m, 'it prints the ConfigMap');
    assert.doesNotMatch(output, /Local control plane up/, 'no control plane of its own');

    assert.equal((await s.configMap(ns, 'hello-world'))?.data?.['message'], 'Hello from the Operator!');
    assert.deepEqual(await forbiddenSince(s.cluster, operatorUser, since), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
