import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ResourceDescriptor } from '../core/index.ts';

/**
 * `coordination.k8s.io/v1` Lease, as the elector reads and writes it.
 *
 * @example
 * ```ts
 * import { resourcePath } from 'capstan/core';
 * import { LeaseResource } from 'capstan/leader';
 * resourcePath(LeaseResource, { namespace: 'ops', name: 'lock' }); // '/apis/coordination.k8s.io/v1/namespaces/ops/leases/lock'
 * ```
 */
export const LeaseResource: ResourceDescriptor = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
};

/** `spec` of a Lease (`coordination.k8s.io/v1` LeaseSpec); times are MicroTime strings. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease object; other fields of the object (labels, managedFields, …) are kept as read. */
export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [field: string]: unknown };
  spec?: LeaseSpec;
}

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
