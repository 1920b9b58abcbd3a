// The generated Deployment meets Pod Security `restricted`, checked by the real admission plugin: the
// check is shown to be live by a privileged variant that draws the warning (Deployment) and is refused (Pod).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { deploymentManifest } from '../../src/manifests/index.ts';
import { ensureAssets } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

const run = promisify(execFile);

interface PodTemplate {
  metadata: object;
  spec: { containers: Array<{ securityContext: Record<string, unknown> }> };
}

test('the generated Deployment passes Pod Security restricted; a privileged variant does not', { timeout: 120_000 }, async () => {
  const cluster = await sharedCluster();
  const { kubectl } = await ensureAssets();
  const ns = uniqueName('pss');
  await cluster.admin.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: {
      metadata: {
        name: ns,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' },
      },
    },
  });
  const dir = cluster.describe().dir;
  const apply = async (name: string, manifest: object) => {
    const file = join(dir, `${ns}-${name}.yaml`);
    await writeFile(file, stringify(manifest));
    return run(kubectl, ['apply', '--dry-run=server', '-f', file], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } });
  };
  try {
    const deployment = deploymentManifest({ name: 'operator', namespace: ns, image: 'example.com/operator:0.1.0' });
    const ok = await apply('deployment', deployment);
    assert.match(ok.stdout, /deployment\.apps\/operator created \(server dry run\)/);
    assert.equal(ok.stderr, '', 'no Pod Security warning');

    const privileged = structuredClone(deployment) as unknown as { spec: { template: PodTemplate } };
    privileged.spec.template.spec.containers[0]!.securityContext = { privileged: true };
    const warned = await apply('privileged-deployment', privileged);
    assert.match(warned.stderr, /would violate PodSecurity "restricted/);

    const template = (deployment as unknown as { spec: { template: PodTemplate } }).spec.template;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'from-template', namespace: ns }, spec: template.spec };
    const podOk = await apply('pod', pod);
    assert.match(podOk.stdout, /pod\/from-template created \(server dry run\)/);
    const privilegedPod = structuredClone(pod);
    privilegedPod.spec.containers[0]!.securityContext = { privileged: true };
    await assert.rejects(apply('privileged-pod', privilegedPod), (err: { stderr?: string }) =>
      /violates PodSecurity "restricted/.test(err.stderr ?? ''),
    );
  } finally {
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  }
});
