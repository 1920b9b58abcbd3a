export {
  controlPlaneVersions,
  ensureAssets,
  assetsKey,
  type ControlPlaneAssets,
  type ControlPlaneVersions,
  type EnsureAssetsOptions,
} from './assets.ts';
export { Cluster, type AuditEvent, type ClusterDescriptor } from './cluster.ts';
export { connectToCluster } from './connect.ts';
export type { ControlPlaneComponent } from './component.ts';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.ts';
export { ControlPlaneError, type ControlPlaneErrorCode } from './errors.ts';
export type { ServiceAccountCredentials, ServiceAccountOptions } from './service-account.ts';
export type { KindInfo, WaitForKindOptions } from './wait-for-kind.ts';
export { type ConnectionAttempt, type FaultMode, type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.ts';
