export { LeaderElector, type LeaderEvent, type LeadershipTerm, type StopReason } from './elector.ts';
export { LeaderElectionError, type LeaderElectionErrorCode } from './errors.ts';
export { defaultIdentity, LeaseResource, type Lease, type LeaseSpec } from './lease.ts';
export { type LeaderElectorOptions, type LeaseClient } from './options.ts';
