import { readFile } from 'node:fs/promises';
import type { Cluster, ClusterDescriptor } from './cluster.ts';
import { connectToCluster } from './connect.ts';
import { type ControlPlaneOptions, startControlPlane } from './control-plane.ts';
import { runningControlPlane } from './run-state.ts';
import { cleanUpAfter, type TestScope } from './cleanup.ts';

/**
 * The cluster a test runs on, the first of:
 *
 * 1. the one `$CAPSTAN_TEST_CLUSTER` names: the path of a JSON {@link ClusterDescriptor} (`cluster.describe()`),
 *    which is how a runner shares one control plane between test files and processes;
 * 2. a control plane `capstan control-plane up` started and still runs (its record under
 *    `~/.cache/capstan/run`, or `$CAPSTAN_RUN_DIR`), so that `npm test` reuses it instead of starting one;
 * 3. a new local control plane, started with `options` ({@link startControlPlane}; the first one ever builds
 *    the binaries). The options apply to that one only: the CRDs in `crds` are served from the start, so
 *    `waitForKind` on them returns at once; on a shared cluster, the test installs what it needs. So do the
 *    `controllers`: a shared cluster runs the ones it was started with (`npm test`'s own runs `deployment`,
 *    `replicaset` and `endpointslice`; `capstan control-plane up --controllers=…` the ones given).
 *
 * When `t` ends (after the kit's other clean-ups of `t`), a connection is closed and a new control plane stopped; a shared cluster stays up, so a
 * test isolates itself by namespace ({@link createNamespace}) and leaves nothing cluster-wide it did not
 * mean to.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { testCluster } from 'capstan/testing';
 * test('the API server answers', async (t) => {
 *   const cluster = await testCluster(t);
 *   await cluster.admin.request({ path: '/api/v1/namespaces/default' });
 * });
 * ```
 */
export async function testCluster(t: TestScope, options: ControlPlaneOptions = {}): Promise<Cluster> {
  const descriptorPath = process.env['CAPSTAN_TEST_CLUSTER'];
  const descriptor = descriptorPath
    ? (JSON.parse(await readFile(descriptorPath, 'utf8')) as ClusterDescriptor)
    : (await runningControlPlane())?.cluster;
  if (descriptor) {
    const cluster = await connectToCluster(descriptor);
    cleanUpAfter(t, () => cluster.admin.close());
    return cluster;
  }
  const controlPlane = await startControlPlane(options);
  cleanUpAfter(t, () => controlPlane.stop());
  return controlPlane;
}
