import { randomBytes } from 'node:crypto';
import { isNotFound } from '../client/index.ts';
import type { Cluster } from './cluster.ts';
import { eventually } from './eventually.ts';
import { cleanUpAfter, type TestScope } from './cleanup.ts';

/**
 * Create a namespace named `<prefix>-<random>` for one test's objects and return its name: tests that share
 * a cluster stay apart by namespace. With `t`, it is deleted when `t` ends (without waiting for it to go).
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { createNamespace, testCluster } from 'capstan/testing';
 * test('works in a namespace of its own', async (t) => {
 *   const cluster = await testCluster(t);
 *   const namespace = await createNamespace(cluster, 'demo', t);
 *   console.log(namespace); // demo-lq3x2k-9f1c
 * });
 * ```
 */
export async function createNamespace(cluster: Cluster, prefix: string, t?: TestScope): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
  if (t) cleanUpAfter(t, () => deleteNamespace(cluster, name, { wait: false }));
  return name;
}

/**
 * Options of {@link deleteNamespace}.
 *
 * @noExample Options of {@link deleteNamespace}; its example shows them in use.
 */
export interface DeleteNamespaceOptions {
  /** Wait until the namespace is gone (the namespace controller emptied it); defaults to true. */
  wait?: boolean;
  /** How long to wait for that; defaults to 60 s. */
  timeoutMs?: number;
}

/**
 * Delete a namespace (one already gone is fine) and, unless `wait: false`, wait until it is gone, so that
 * nothing it held is left: the local control plane runs the namespace controller, which deletes its objects.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { createNamespace, deleteNamespace, testCluster } from 'capstan/testing';
 * test('leaves nothing behind', async (t) => {
 *   const cluster = await testCluster(t);
 *   const namespace = await createNamespace(cluster, 'demo');
 *   await deleteNamespace(cluster, namespace, { timeoutMs: 120_000 });
 * });
 * ```
 */
export async function deleteNamespace(cluster: Cluster, name: string, options: DeleteNamespaceOptions = {}): Promise<void> {
  const path = `/api/v1/namespaces/${name}`;
  await cluster.admin.request({ method: 'DELETE', path }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  if (options.wait === false) return;
  await eventually(
    `namespace ${name} to be gone`,
    () =>
      cluster.admin.request({ path }).then(
        () => false,
        (err: unknown) => {
          if (isNotFound(err)) return true;
          throw err;
        },
      ),
    { timeoutMs: options.timeoutMs ?? 60_000 },
  );
}
