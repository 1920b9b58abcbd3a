export { type Check, ProbeServer, type ProbeServerOptions } from './probe-server.ts';
export { type LeaderElectionOptions, Manager, type ManagerOptions } from './manager.ts';
export type { CacheFactory, CacheScope, ManagedCache } from './caches.ts';
export { ManagerFlagError, type ManagerFlagsInput, managerFlagsHelp, managerOptionsFromFlags } from './flags.ts';
