// Namespace-scoped mode, as a user sets it up: "watchNamespace" in package.json (two namespaces), `capstan
// generate` (a Role and RoleBinding in each instead of the ClusterRole), the cluster-wide RBAC swapped for them,
// and the operator started with --namespace=a,b. It serves those namespaces (one cache per namespace and kind),
// ignores the others, reads nothing elsewhere (audit log), and is refused nothing.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { HelloWorld, type Scenario } from './scenario.ts';
import { forbiddenSince, startOperator } from '../../src/testing/index.ts';
import { exampleCopy, exampleOperator, kubectl, operatorUser } from './support.ts';

export async function namespaceScoped(s: Scenario): Promise<{ watched: string[]; elsewhere: string }> {
  const watched = [await s.namespace('hw-team-a'), await s.namespace('hw-team-c')];
  const elsewhere = await s.namespace('hw-team-b');
  // The user's way: "watchNamespace" in package.json (one namespace, or several with commas), then `capstan generate`.
  const { root: project, generated } = await exampleCopy({ watchNamespace: watched.join(',') });
  assert.equal(generated.code, 0, generated.stderr);
  try {
    const roles = parseAllDocuments(await readFile(join(project, 'config/rbac/role.yaml'), 'utf8')).map(
      (doc) => doc.toJS() as { kind: string; metadata: { namespace?: string } },
    );
    assert.deepEqual(
      roles.map((r) => [r.kind, r.metadata.namespace]),
      watched.map((ns) => ['Role', ns]),
    );
    assert.match(
      await readFile(join(project, 'config/manager/deployment.yaml'), 'utf8'),
      new RegExp(`- --namespace=${watched.join(',')}$`, 'm'),
    );

    // Swap the cluster-wide grant for the namespaced ones, as a user switching modes would.
    await kubectl(s.adminKubeconfig, ['delete', '-f', 'config/rbac/role_binding.yaml', '-f', 'config/rbac/role.yaml']);
    await kubectl(s.adminKubeconfig, ['apply', '-k', join(project, 'config/rbac')]);
    const since = new Date();
    const operator = await startOperator({
      ...exampleOperator(s.cluster, s.operatorKubeconfig),
      args: [`--namespace=${watched.join(',')}`],
    });
    try {
      for (const ns of [...watched, elsewhere]) {
        await s.cluster.admin
          .resource(HelloWorld)
          .create(
            { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name: 'hello-world' }, spec: { name: `Hello ${ns}` } },
            { namespace: ns },
          );
      }
      for (const ns of watched) {
        await s.ready(ns, 'hello-world', { status: 'True', reason: 'Reconciled' });
        assert.equal((await s.configMap(ns, 'hello-world'))?.data?.['message'], `Hello ${ns}`);
      }
      await sleep(3_000);
      assert.equal((await s.helloWorld(elsewhere, 'hello-world')).status, undefined, 'a HelloWorld outside the namespaces is left alone');
      assert.equal(await s.configMap(elsewhere, 'hello-world'), undefined);
      assert.deepEqual(await forbiddenSince(s.cluster, operatorUser, since), [], 'the Roles are all it needs');
      // Nothing read or written anywhere else: every request of the operator names one of its namespaces (the Lease's
      // included), never a cluster-wide collection.
      const ownNamespace = 'hello-world-system';
      const outside = (await s.cluster.auditEvents())
        .filter((e) => e.user.username === operatorUser && Date.parse(e.requestReceivedTimestamp) >= since.getTime() - 1_000)
        .filter((e) => ![...watched, ownNamespace].includes(e.objectRef?.namespace ?? ''))
        .map((e) => `${e.verb} ${e.requestURI}`);
      assert.deepEqual(outside, [], 'no request outside the watched namespaces');
    } finally {
      await operator.stop();
    }
    return { watched, elsewhere };
  } finally {
    await kubectl(s.adminKubeconfig, [
      'delete',
      '--ignore-not-found',
      '-f',
      join(project, 'config/rbac/role_binding.yaml'),
      '-f',
      join(project, 'config/rbac/role.yaml'),
    ]);
    await kubectl(s.adminKubeconfig, ['apply', '-k', 'config/rbac']);
    await rm(join(project, '..'), { recursive: true, force: true });
  }
}
