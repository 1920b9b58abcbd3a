import { CapstanError } from '../core/index.ts';

/**
 * Why leader election refused to start, or why a leadership term ended.
 *
 * @noExample The `code` of a {@link LeaderElectionError}, whose example tells two of them apart.
 */
export type LeaderElectionErrorCode =
  /** Thrown by the constructor: timings that cannot work, a missing Lease name or namespace, an empty identity. */
  | 'LEADER_INVALID_OPTIONS'
  /** Thrown by `run` when it is already running. */
  | 'LEADER_ALREADY_RUNNING'
  /** The reason of a term's signal when the lease was not renewed in time or another holder was seen. */
  | 'LEADERSHIP_LOST'
  /** The reason of a term's signal when the elector stepped down because it was stopped. */
  | 'LEADERSHIP_RELEASED';

/**
 * An error of the leader layer. It is also the `reason` of a term's AbortSignal, so code that stops on
 * that signal can tell a lost lease (stop writing now) from an orderly release.
 *
 * @example
 * ```ts
 * import { LeaderElectionError } from 'capstan/leader';
 * function lostLease(signal: AbortSignal): boolean {
 *   return signal.reason instanceof LeaderElectionError && signal.reason.code === 'LEADERSHIP_LOST';
 * }
 * ```
 */
export class LeaderElectionError extends CapstanError<LeaderElectionErrorCode> {}
