/**
 * The test kit: a real local control plane (etcd, kube-apiserver and kube-controller-manager, built from pinned
 * sources on first use) and what an operator's tests need on it: one cluster shared by the test files, a
 * namespace per test, level-based waits (`eventually`), ServiceAccounts with only the rights given, the operator
 * run as its own process under its generated RBAC, a fake kubelet, a fault-injecting proxy and a fake clock.
 * Import it from tests only; an operator's own code imports `capstan`.
 *
 * @module capstan/testing
 */
export {
  controlPlaneVersions,
  ensureAssets,
  assetsKey,
  ensureHelm,
  helmKey,
  type ControlPlaneAssets,
  type ControlPlaneVersions,
  type EnsureAssetsOptions,
  type EnsureHelmOptions,
} from './assets.ts';
export { type BuiltInController, builtInControllers } from './built-in-controllers.ts';
export { Cluster, type AuditEvent, type ClusterDescriptor, isObjectWrite } from './cluster.ts';
export { connectToCluster } from './connect.ts';
export type { ControlPlaneComponent } from './component.ts';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.ts';
export { ControlPlaneError, type ControlPlaneErrorCode } from './errors.ts';
export {
  type AccessAttributes,
  serviceAccountAllowed,
  type ServiceAccountCredentials,
  type ServiceAccountOptions,
} from './service-account.ts';
export type { KindInfo, WaitForKindOptions } from './wait-for-kind.ts';
export { type ConnectionAttempt, type FaultMode, type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.ts';
export { eventually, type EventuallyOptions } from './eventually.ts';
export { fakeClock } from './fake-clock.ts';
export { type FakeKubelet, type FakeKubeletOptions, startFakeKubelet } from './fake-kubelet.ts';
export { forbiddenSince } from './forbidden.ts';
export { kubectl, type KubectlOptions } from './kubectl.ts';
export {
  type MetricsReader,
  metricsReader,
  type MetricsReaderOptions,
  metricValue,
  readMetrics,
  type ReadMetricsOptions,
} from './metrics.ts';
export { createNamespace, deleteNamespace, type DeleteNamespaceOptions } from './namespaces.ts';
export { assertRoundTrips } from './round-trip.ts';
export { type OperatorExitStatus, type RunningOperator, startOperator, type StartOperatorOptions } from './operator.ts';
export type { TestScope } from './cleanup.ts';
export { testCluster } from './test-cluster.ts';
export { type FakeApiServer, fakeApiServer, type FakeApiServerOptions, type FakeClientOptions } from './fake-api-server/index.ts';
