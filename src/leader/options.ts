import type { RequestOptions } from '../client/index.ts';
import { type Clock, systemClock } from '../core/index.ts';
import { LeaderElectionError } from './errors.ts';
import { defaultIdentity } from './lease.ts';

/**
 * The one call the elector makes of a client; `KubeClient` satisfies it.
 *
 * @noExample Pass a `KubeClient`, as {@link LeaderElector}'s example does; a test may pass a fake of this one method.
 */
export interface LeaseClient {
  /** Send one request to the API server and return its decoded body; reject with the client's `ApiError` on a failure status. */
  request<T>(options: RequestOptions): Promise<T>;
}

/**
 * Options of a {@link LeaderElector}; durations in milliseconds. The constructor refuses timings that cannot
 * work, as client-go does: renew deadline < lease duration, and retry period × 1.2 < renew deadline.
 *
 * @noExample Options of {@link LeaderElector}; its example shows them in use.
 */
export interface LeaderElectorOptions {
  /** Reads and writes the Lease; a `KubeClient`. */
  client: LeaseClient;
  /** Namespace and name of the Lease; every replica of one operator uses the same. */
  namespace: string;
  /** The Lease's name, the same on every replica. */
  name: string;
  /** Defaults to the host name and a random suffix ({@link defaultIdentity}). */
  identity?: string;
  /** How long a standby waits after it last saw the Lease change before taking it; default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renewal; default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew; default 2 s (candidates add up to 20 % jitter). */
  retryPeriodMs?: number;
  /** Timeout of each request to the Lease; default half the renew deadline (never past it while leading). */
  requestTimeoutMs?: number;
  /** Give the Lease up when stopped, so a standby takes over at once; default true. */
  releaseOnStop?: boolean;
  /** The clock of the timers and of the lease's expiry; default the real one (tests inject a fake one). */
  clock?: Clock;
  /** Source of jitter, in [0, 1); default `Math.random`. */
  random?: () => number;
}

/** The options with defaults applied and checked. */
export interface ElectorConfig extends Required<Omit<LeaderElectorOptions, 'client'>> {
  readonly client: LeaseClient;
}

/** The largest factor by which a candidate stretches its retry period. */
export const jitterFactor = 0.2;

/**
 * Apply defaults and refuse timings that cannot work: the renew deadline must end before the lease could
 * expire elsewhere (renew deadline < lease duration), and leave room for a retry (retry × 1.2 < renew
 * deadline), as client-go requires.
 */
export function electorConfig(options: LeaderElectorOptions): ElectorConfig {
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2_000;
  const fail = (message: string): never => {
    throw new LeaderElectionError('LEADER_INVALID_OPTIONS', message);
  };
  if (!options.namespace || !options.name) fail('leader election needs the namespace and name of its Lease');
  if (!(retryPeriodMs > 0)) fail(`retryPeriodMs must be positive, got ${retryPeriodMs}`);
  if (!(renewDeadlineMs > retryPeriodMs * (1 + jitterFactor))) {
    fail(
      `renewDeadlineMs (${renewDeadlineMs}) must exceed retryPeriodMs × ${1 + jitterFactor} (${retryPeriodMs * (1 + jitterFactor)}) so the leader can retry a failed renewal`,
    );
  }
  if (!(leaseDurationMs > renewDeadlineMs)) {
    fail(
      `leaseDurationMs (${leaseDurationMs}) must exceed renewDeadlineMs (${renewDeadlineMs}): a leader must stop before a standby may take over`,
    );
  }
  if (leaseDurationMs % 1000 !== 0)
    fail(`leaseDurationMs (${leaseDurationMs}) must be whole seconds: the Lease stores leaseDurationSeconds`);
  const identity = options.identity ?? defaultIdentity();
  if (!identity) fail('identity must not be empty: an empty holderIdentity means a free Lease');
  return {
    client: options.client,
    namespace: options.namespace,
    name: options.name,
    identity,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    requestTimeoutMs: options.requestTimeoutMs ?? renewDeadlineMs / 2,
    releaseOnStop: options.releaseOnStop ?? true,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
  };
}
