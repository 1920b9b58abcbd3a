import { UsageError } from '../core/index.ts';

/**
 * A kube-controller-manager controller the test control plane can run besides its garbage collector and
 * namespace controller, by its short name (`deployment` runs kcm's `deployment-controller`). There is no
 * kubelet and no scheduler: Pods stay Pending unless a test plays their part ({@link startFakeKubelet}).
 *
 * @example
 * ```ts
 * import { type BuiltInController, startControlPlane } from 'capstan/testing';
 * const workloads: BuiltInController[] = ['deployment', 'replicaset', 'endpointslice'];
 * const cp = await startControlPlane({ controllers: workloads });
 * await cp.stop();
 * ```
 */
export type BuiltInController =
  | 'deployment'
  | 'replicaset'
  | 'replicationcontroller'
  | 'statefulset'
  | 'daemonset'
  | 'job'
  | 'cronjob'
  | 'ttl-after-finished'
  | 'endpointslice'
  | 'endpoints'
  | 'endpointslice-mirroring'
  | 'disruption'
  | 'resourcequota'
  | 'serviceaccount'
  | 'clusterrole-aggregation'
  | 'pod-garbage-collector';

// kube-controller-manager's own names (`kube-controller-manager --help`, v1.36) by the short name tests use.
// Left out on purpose: controllers that need a kubelet's heartbeats or a cloud (node-lifecycle would mark the
// fake Node of `startFakeKubelet` NotReady and evict its Pods; node-ipam, service-lb, routes), that mint
// credentials (serviceaccount-token, bootstrap and CSR signers), or that need what is not there (the
// horizontal-pod-autoscaler needs a metrics API; volume controllers need storage).
const kcmNames: Readonly<Record<BuiltInController, string>> = {
  deployment: 'deployment-controller',
  replicaset: 'replicaset-controller',
  replicationcontroller: 'replicationcontroller-controller',
  statefulset: 'statefulset-controller',
  daemonset: 'daemonset-controller',
  job: 'job-controller',
  cronjob: 'cronjob-controller',
  'ttl-after-finished': 'ttl-after-finished-controller',
  endpointslice: 'endpointslice-controller',
  endpoints: 'endpoints-controller',
  'endpointslice-mirroring': 'endpointslice-mirroring-controller',
  disruption: 'disruption-controller',
  resourcequota: 'resourcequota-controller',
  serviceaccount: 'serviceaccount-controller',
  'clusterrole-aggregation': 'clusterrole-aggregation-controller',
  'pod-garbage-collector': 'pod-garbage-collector-controller',
};

/**
 * Every {@link BuiltInController}, for a CLI or a config file to check names against.
 *
 * @example
 * ```ts
 * import { type BuiltInController, builtInControllers } from 'capstan/testing';
 * const asked = 'deployment,replicaset'.split(',');
 * const known = asked.filter((name): name is BuiltInController => (builtInControllers as readonly string[]).includes(name));
 * console.log(known); // ['deployment', 'replicaset']
 * ```
 */
export const builtInControllers: readonly BuiltInController[] = Object.freeze(Object.keys(kcmNames) as BuiltInController[]);

/** The controllers every test control plane runs: ownerReferences cascade, deleted namespaces go away. */
const alwaysRun = ['garbage-collector-controller', 'namespace-controller'];

/**
 * kube-controller-manager's `--controllers` flag for the garbage collector, the namespace controller and
 * `extra` (deduplicated, in the order given); an unknown name throws a `UsageError` that lists the known ones.
 */
export function controllersFlag(extra: readonly string[]): string {
  const unknown = extra.filter((name) => !Object.hasOwn(kcmNames, name));
  if (unknown.length > 0) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `unknown kube-controller-manager controller ${unknown.map((name) => `'${name}'`).join(', ')}: ` +
        `choose from ${builtInControllers.join(', ')}`,
    );
  }
  const names = new Set([...alwaysRun, ...extra.map((name) => kcmNames[name as BuiltInController])]);
  return `--controllers=${[...names].join(',')}`;
}
