/**
 * The manager and what it runs beside the controllers: the {@link Manager} itself, the standard operator
 * command line ({@link managerOptionsFromFlags}), the probe and metrics servers, the event-loop monitor and
 * the cache factory port. `capstan` re-exports `Manager` and the flags; import this entry point to serve
 * probes or metrics without a manager, or to give the manager caches of your own.
 *
 * @module capstan/manager
 */
export { EventLoopMonitor } from './event-loop.ts';
export { type Check, type ListedCheck, ProbeServer, type ProbeServerOptions } from './probe-server.ts';
export { type LeaderElectionOptions, Manager, type ManagerOptions, type MetricsOptions, type ProbeOptions } from './manager.ts';
export type { CacheFactory, CacheScope, ManagedCache } from './caches.ts';
export { ManagerFlagError, type ManagerFlagsInput, managerFlagsHelp, managerOptionsFromFlags } from './flags.ts';
export {
  MetricsServer,
  type MetricsServerOptions,
  metricsVerdictTtlMs,
  type InsecureMetricsServerOptions,
  type SecureMetricsServerOptions,
} from './metrics-server.ts';
