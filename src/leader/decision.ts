import type { Lease, LeaseSpec } from './lease.ts';
import { microTime } from '../core/index.ts';

/**
 * What this process last saw of the Lease, and when by its own monotonic clock. A Lease is judged
 * expired `leaseDurationSeconds` after the local time at which it was last seen to change, so neither
 * clock skew between machines nor the Lease's own timestamps matter.
 */
export interface LeaseObservation {
  readonly holder: string;
  readonly renewTime: string | undefined;
  readonly resourceVersion: string | undefined;
  readonly leaseDurationMs: number;
  /** Monotonic ms at which the current holder/renewTime/resourceVersion were first seen. */
  readonly observedAt: number;
}

/**
 * Fold a freshly read Lease into the previous observation: `observedAt` moves only when the holder,
 * renewTime or resourceVersion changed. `fallbackDurationMs` applies to a Lease without a duration.
 *
 * For example (private to the layer, so not an `@example` of the public API):
 * ```ts
 * import { observeLease } from './decision.ts';
 * const lease = { metadata: { resourceVersion: '7' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } };
 * const first = observeLease(undefined, lease, 1_000, 15_000);
 * const again = observeLease(first, lease, 9_000, 15_000);
 * console.log(again.observedAt); // 1000: unchanged, so it expires at 16000 local time
 * ```
 */
export function observeLease(
  previous: LeaseObservation | undefined,
  lease: Lease,
  now: number,
  fallbackDurationMs: number,
): LeaseObservation {
  const holder = lease.spec?.holderIdentity ?? '';
  const renewTime = lease.spec?.renewTime;
  const resourceVersion = lease.metadata.resourceVersion;
  const seconds = lease.spec?.leaseDurationSeconds;
  const leaseDurationMs = seconds !== undefined && seconds > 0 ? seconds * 1000 : fallbackDurationMs;
  const unchanged =
    previous !== undefined &&
    previous.holder === holder &&
    previous.renewTime === renewTime &&
    previous.resourceVersion === resourceVersion;
  return { holder, renewTime, resourceVersion, leaseDurationMs, observedAt: unchanged ? previous.observedAt : now };
}

/** What to do about the Lease this round. */
export type LeaseDecision =
  | { readonly action: 'create'; readonly spec: LeaseSpec }
  | { readonly action: 'update'; readonly spec: LeaseSpec; readonly acquiring: boolean }
  | { readonly action: 'wait'; readonly holder: string; readonly expiresInMs: number };

/** The inputs of {@link decide}. */
export interface DecisionInput {
  /** The Lease as just read; undefined if it does not exist. */
  readonly lease: Lease | undefined;
  /** The observation including that read (see {@link observeLease}). */
  readonly observation: LeaseObservation | undefined;
  readonly identity: string;
  /** Monotonic ms. */
  readonly now: number;
  /** Wall-clock time, only for the timestamps written. */
  readonly wallNow: Date;
  readonly leaseDurationMs: number;
}

/**
 * The pure core of the election: create a missing Lease; renew our own (keeping acquireTime and the
 * transition count); take one that is free (no holder, as after a release) or expired by local time
 * (counting a transition); otherwise wait, saying for how long the current holder's lease still runs.
 *
 * For example (private to the layer, so not an `@example` of the public API):
 * ```ts
 * import { decide, observeLease } from './decision.ts';
 * const lease = { metadata: { resourceVersion: '7' }, spec: { holderIdentity: 'other', leaseDurationSeconds: 15 } };
 * const observation = observeLease(undefined, lease, 0, 15_000);
 * const decision = decide({ lease, observation, identity: 'me', now: 5_000, wallNow: new Date(), leaseDurationMs: 15_000 });
 * console.log(decision); // { action: 'wait', holder: 'other', expiresInMs: 10000 }
 * ```
 */
export function decide(input: DecisionInput): LeaseDecision {
  const { lease, observation, identity, now, wallNow } = input;
  const time = microTime(wallNow);
  const leaseDurationSeconds = Math.max(1, Math.ceil(input.leaseDurationMs / 1000));
  if (!lease) {
    return {
      action: 'create',
      spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: time, renewTime: time, leaseTransitions: 0 },
    };
  }
  const spec = lease.spec ?? {};
  const holder = spec.holderIdentity ?? '';
  if (holder === identity) {
    return {
      action: 'update',
      acquiring: false,
      spec: { ...spec, holderIdentity: identity, leaseDurationSeconds, acquireTime: spec.acquireTime ?? time, renewTime: time },
    };
  }
  const expiresAt = observation ? observation.observedAt + observation.leaseDurationMs : now;
  if (holder !== '' && expiresAt > now) return { action: 'wait', holder, expiresInMs: expiresAt - now };
  return {
    action: 'update',
    acquiring: true,
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: time,
      renewTime: time,
      leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
    },
  };
}

/**
 * The spec that gives a Lease up on graceful shutdown, as client-go writes it: no holder and a duration
 * of one second, so a standby takes over at its next retry instead of waiting out the lease.
 *
 * For example (private to the layer, so not an `@example` of the public API):
 * ```ts
 * import { releaseSpec } from './decision.ts';
 * const spec = releaseSpec({ metadata: {}, spec: { holderIdentity: 'me', leaseTransitions: 3 } }, new Date());
 * console.log(spec.holderIdentity, spec.leaseDurationSeconds, spec.leaseTransitions); // '' 1 3
 * ```
 */
export function releaseSpec(lease: Lease, wallNow: Date): LeaseSpec {
  const time = microTime(wallNow);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: time,
    renewTime: time,
    leaseTransitions: lease.spec?.leaseTransitions ?? 0,
  };
}
