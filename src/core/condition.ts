/**
 * A condition's status (`metav1.ConditionStatus`): `Unknown` when the controller cannot tell yet.
 *
 * @noExample The type of {@link Condition.status}; the example of {@link Condition} sets one.
 */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/**
 * `metav1.Condition`, as it appears in `status.conditions` of an object: one observation of one aspect
 * of the object's state. In CRDs the list is `x-kubernetes-list-type: map` keyed by `type`, so server-side
 * apply merges it condition by condition. Build and update conditions with `capstan/conditions`.
 *
 * @example
 * ```ts
 * import type { Condition } from 'capstan/core';
 * const ready: Condition = {
 *   type: 'Ready', status: 'True', reason: 'ConfigMapReady', message: 'ConfigMap hello is up to date',
 *   observedGeneration: 3, lastTransitionTime: '2030-01-01T00:00:00Z',
 * };
 * ```
 */
export interface Condition {
  /** CamelCase, or a domain-prefixed name (`example.com/Synced`); unique within the list. */
  type: string;
  /** Whether the condition holds; `lastTransitionTime` moves only when this changes. */
  status: ConditionStatus;
  /** The `metadata.generation` this condition was computed from. */
  observedGeneration?: number;
  /** RFC 3339 time of the last change of `status` (not of reason or message). */
  lastTransitionTime: string;
  /** A CamelCase word a program may switch on. */
  reason: string;
  /** For humans; may be empty. */
  message: string;
}
