export {
  controlPlaneVersions,
  ensureAssets,
  assetsKey,
  type ControlPlaneAssets,
  type ControlPlaneVersions,
  type EnsureAssetsOptions,
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
