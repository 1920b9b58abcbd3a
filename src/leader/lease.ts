import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kind } from '../core/index.ts';
import { Lease } from '../kinds/coordination/v1.ts';

export type { Lease, LeaseSpec } from '../kinds/coordination/v1.ts';

/**
 * The `coordination.k8s.io/v1` Lease kind the elector reads and writes: the generated `Lease` of
 * `capstan/kinds/coordination/v1`, under the name this layer has always given it.
 *
 * @example
 * ```ts
 * import { resourcePath } from 'capstan/core';
 * import { LeaseResource } from 'capstan/leader';
 * resourcePath(LeaseResource, { namespace: 'ops', name: 'lock' }); // '/apis/coordination.k8s.io/v1/namespaces/ops/leases/lock'
 * ```
 */
export const LeaseResource: Kind<Lease> = Lease;

/**
 * An identity for this process: the host name (the pod name in a cluster) and a random suffix, so that a
 * restarted process is a new candidate and never mistakes its predecessor's lease for its own.
 *
 * @example
 * ```ts
 * import { defaultIdentity } from 'capstan/leader';
 * console.log(defaultIdentity()); // e.g. 'helloworld-operator-7d9c5-x2k4p_3f9a1c2e'
 * ```
 */
export function defaultIdentity(): string {
  return `${hostname()}_${randomBytes(4).toString('hex')}`;
}
