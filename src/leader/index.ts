/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go's: the {@link LeaderElector}, its terms
 * and events, and its errors. The manager elects a leader itself (`leaderElection` in its options); import this
 * entry point to run one replica of some work at a time without the manager.
 *
 * @module capstan/leader
 */
export { LeaderElector, type LeaderEvent, type LeadershipTerm, type StopReason } from './elector.ts';
export { LeaderElectionError, type LeaderElectionErrorCode } from './errors.ts';
export { defaultIdentity, LeaseResource, type Lease, type LeaseSpec } from './lease.ts';
export { type LeaderElectorOptions, type LeaseClient } from './options.ts';
