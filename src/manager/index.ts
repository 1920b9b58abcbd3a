export { EventLoopMonitor } from './event-loop.ts';
export { type Check, type ListedCheck, ProbeServer, type ProbeServerOptions } from './probe-server.ts';
export { type LeaderElectionOptions, Manager, type ManagerOptions, type ProbeOptions } from './manager.ts';
export type { CacheFactory, CacheScope, ManagedCache } from './caches.ts';
export { ManagerFlagError, type ManagerFlagsInput, managerFlagsHelp, managerOptionsFromFlags } from './flags.ts';
export {
  MetricsServer,
  type MetricsServerOptions,
  metricsVerdictTtlMs,
  type InsecureMetricsServerOptions,
  type SecureMetricsServerOptions,
} from './metrics-server.ts';
