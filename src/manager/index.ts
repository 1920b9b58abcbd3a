export { type Check, ProbeServer, type ProbeServerOptions } from './probe-server.ts';
export { type LeaderElectionOptions, Manager, type ManagerOptions } from './manager.ts';
export { cacheSourceFactory } from './cache-source.ts';
export { type ManagedSource, type SourceFactory, type SourceScope, sourceKey } from './sources.ts';
export { probePortInLogLine, probesServingMessage } from './probe-log.ts';
export { ManagerFlagError, type ManagerFlagsInput, managerFlagsHelp, managerOptionsFromFlags } from './flags.ts';
