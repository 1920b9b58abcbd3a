// A ConfigMap of the HelloWorld's name that is not controlled by it, whatever its labels, is never
// overwritten or adopted: Ready=False ConfigMapExists and a Warning event, and once it is gone the operator
// takes the name within 30 s (the collision is polled: nothing announces that a foreign object went away).
import assert from 'node:assert/strict';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { collisionRetryMs, managedBy } from '../../examples/hello-world/src/controllers/hello-world.ts';
import { eventually } from '../../src/testing/index.ts';
import { HelloWorld, type Scenario } from './scenario.ts';

const recoveryBoundMs = 30_000;

const helloWorld = (name: string, message: string): HelloWorld => ({
  apiVersion: HelloWorld.apiVersion,
  kind: 'HelloWorld',
  metadata: { name },
  spec: { name: message },
});

/** `foreign` is the ConfigMap that is there first; `describe` names the case in messages. */
async function collision(s: Scenario, prefix: string, foreign: (ns: string) => Promise<ConfigMap>): Promise<void> {
  const ns = await s.namespace(prefix);
  const theirs = await foreign(ns);
  await s.cluster.admin.resource(HelloWorld).create(helloWorld('hello-world', 'ours'), { namespace: ns });

  const { condition } = await s.ready(ns, 'hello-world', { status: 'False', reason: 'ConfigMapExists' });
  assert.match(condition.message, /^ConfigMap hello-world exists and is not controlled by this HelloWorld/);
  await s.event(ns, 'hello-world', 'Warning', 'ConfigMapExists');
  const untouched = await s.configMap(ns, 'hello-world');
  assert.deepEqual(untouched?.data, theirs.data, 'not overwritten');
  assert.deepEqual(untouched?.metadata.ownerReferences, theirs.metadata.ownerReferences, 'not adopted');
  assert.deepEqual(untouched?.metadata.labels, theirs.metadata.labels);
  assert.equal(untouched?.metadata.resourceVersion, theirs.metadata.resourceVersion, 'not written at all');

  await s.cluster.admin.resource(ConfigMap).delete('hello-world', { namespace: ns });
  const goneAt = Date.now();
  const ours = await eventually(
    `the operator to take the name within ${recoveryBoundMs} ms of the foreign ConfigMap going`,
    async () => {
      const cm = await s.configMap(ns, 'hello-world');
      return cm?.data?.['message'] === 'ours' ? cm : undefined;
    },
    { timeoutMs: recoveryBoundMs },
  );
  process.stdout.write(
    `# ${prefix}: recovered ${Date.now() - goneAt} ms after the foreign ConfigMap was deleted (collisions are retried every ${collisionRetryMs} ms)\n`,
  );
  assert.equal(ours.metadata.ownerReferences?.[0]?.name, 'hello-world');
  await s.ready(ns, 'hello-world', { status: 'True', reason: 'Reconciled' });
}

/** A ConfigMap with no owner at all, carrying our managed-by label (so it is even in the operator's cache). */
export function collisionWithoutOwner(s: Scenario): Promise<void> {
  return collision(s, 'hw-no-owner', (ns) =>
    s.cluster.admin.resource(ConfigMap).create(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'hello-world', labels: { 'app.kubernetes.io/managed-by': managedBy } },
        data: { message: "a user's" },
      },
      { namespace: ns },
    ),
  );
}

/** A ConfigMap controlled by another HelloWorld, without our label. */
export function collisionWithAnotherOwner(s: Scenario): Promise<void> {
  return collision(s, 'hw-other-owner', async (ns) => {
    const other = await s.cluster.admin.resource(HelloWorld).create(helloWorld('other', 'the other one'), { namespace: ns });
    return s.cluster.admin.resource(ConfigMap).create(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'hello-world',
          ownerReferences: [
            {
              apiVersion: HelloWorld.apiVersion,
              kind: 'HelloWorld',
              name: 'other',
              uid: other.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        data: { message: 'the other one' },
      },
      { namespace: ns },
    );
  });
}
