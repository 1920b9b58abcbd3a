// How the control plane the suites share is started: by scripts/test.ts for `npm test`, or by
// e2e/support/cluster.ts when a file runs on its own. One definition, so that both start the same.
import type { ControlPlaneOptions } from '../../src/testing/index.ts';
import { sharedCrds } from './crds.ts';

/**
 * The shared control plane's options: the CRDs of the suites that run operators (known to the garbage
 * collector and admission from the start, so no suite waits for their 30 s discovery rereads), and the
 * workload controllers e2e/control-plane/workloads.test.ts drives (Deployments, ReplicaSets, EndpointSlices).
 */
export function sharedControlPlaneOptions(): ControlPlaneOptions {
  return { crds: sharedCrds(), controllers: ['deployment', 'replicaset', 'endpointslice'] };
}
