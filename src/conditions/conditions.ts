import type { Condition, ConditionStatus } from '../core/index.ts';
import { ConditionError } from './errors.ts';

/**
 * What a controller says about one condition; the helpers fill in `lastTransitionTime`. Checked against the API
 * server's `metav1.Condition` validation before any write ({@link ConditionError} `INVALID_CONDITION`).
 *
 * @example
 * ```ts
 * import type { ConditionInput } from 'capstan';
 * const ready: ConditionInput = {
 *   type: 'Ready',
 *   status: 'False',
 *   reason: 'ConfigMapExists',
 *   message: 'a ConfigMap hello exists and is not ours',
 *   observedGeneration: 3,
 * };
 * ```
 */
export interface ConditionInput {
  /** CamelCase, optionally domain-prefixed: `Ready`, `Progressing`, `example.com/Synced`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: ConditionStatus;
  /** One CamelCase word, machine-readable: why the status is what it is (`ConfigMapExists`). */
  reason: string;
  /** For humans; may be empty, at most 32768 characters. */
  message?: string;
  /** The `metadata.generation` of the object this was computed from; set it on every condition. */
  observedGeneration?: number;
}

// The validation metav1.Condition has in the API server (k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
const typePattern = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const reasonPattern = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const statuses: readonly string[] = ['True', 'False', 'Unknown'];

/**
 * A time as `metav1.Time` serialises it: RFC 3339 in UTC with whole seconds.
 *
 * @example
 * ```ts
 * import { conditionTime } from 'capstan/conditions';
 * conditionTime(new Date('2030-01-01T00:00:00.750Z')); // '2030-01-01T00:00:00Z'
 * ```
 */
export function conditionTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function validate(input: ConditionInput): void {
  if (input.type.length > 316 || !typePattern.test(input.type)) {
    throw new ConditionError(
      'INVALID_CONDITION',
      `condition type "${input.type}" is invalid: use a CamelCase name such as Ready, optionally prefixed by a domain and "/"`,
    );
  }
  if (!statuses.includes(input.status)) {
    throw new ConditionError(
      'INVALID_CONDITION',
      `condition ${input.type}: status "${String(input.status)}" must be True, False or Unknown`,
    );
  }
  if (input.reason.length > 1024 || !reasonPattern.test(input.reason)) {
    throw new ConditionError(
      'INVALID_CONDITION',
      `condition ${input.type}: reason "${input.reason}" must be one CamelCase word such as ConfigMapExists`,
    );
  }
  if ((input.message ?? '').length > 32768) {
    throw new ConditionError(
      'INVALID_CONDITION',
      `condition ${input.type}: message is ${input.message?.length} characters; the API allows 32768`,
    );
  }
  if (input.observedGeneration !== undefined && !(Number.isInteger(input.observedGeneration) && input.observedGeneration >= 0)) {
    throw new ConditionError('INVALID_CONDITION', `condition ${input.type}: observedGeneration must be a non-negative integer`);
  }
}

/**
 * Set one condition, keeping `lastTransitionTime` unless `status` flips (a new condition gets `now`);
 * reason, message and `observedGeneration` are always taken from `input`. Pure: returns a new list, or
 * the given list itself when nothing changed, so `next !== conditions` says whether a status write is due.
 *
 * @example
 * ```ts
 * import { setCondition } from 'capstan/conditions';
 * const before = [{ type: 'Ready', status: 'False' as const, reason: 'Pending', message: '', lastTransitionTime: '2030-01-01T00:00:00Z' }];
 * const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'ConfigMapReady', observedGeneration: 2 });
 * console.log(after[0]?.lastTransitionTime !== before[0]?.lastTransitionTime); // true: status flipped
 * ```
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, now: Date = new Date()): Condition[] {
  validate(input);
  const list = conditions ?? [];
  const index = list.findIndex((c) => c.type === input.type);
  const existing = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
    lastTransitionTime: existing && existing.status === input.status ? existing.lastTransitionTime : conditionTime(now),
    reason: input.reason,
    message: input.message ?? '',
  };
  if (existing && sameCondition(existing, next)) return conditions as Condition[];
  return index >= 0 ? list.map((c, i) => (i === index ? next : c)) : [...list, next];
}

/**
 * Set several conditions at once with the semantics of {@link setCondition}.
 *
 * @example
 * ```ts
 * import { mergeConditions } from 'capstan/conditions';
 * const conditions = mergeConditions(undefined, [
 *   { type: 'Ready', status: 'False', reason: 'ConfigMapExists', message: 'a ConfigMap hello exists and is not ours', observedGeneration: 1 },
 *   { type: 'Progressing', status: 'False', reason: 'Blocked', observedGeneration: 1 },
 * ]);
 * ```
 */
export function mergeConditions(
  conditions: readonly Condition[] | undefined,
  inputs: readonly ConditionInput[],
  now: Date = new Date(),
): Condition[] {
  return inputs.reduce<Condition[]>((list, input) => setCondition(list, input, now), (conditions ?? []) as Condition[]);
}

function sameCondition(a: Condition, b: Condition): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.observedGeneration === b.observedGeneration &&
    a.lastTransitionTime === b.lastTransitionTime
  );
}

/**
 * The condition of `type`, if any.
 *
 * @example
 * ```ts
 * import { findCondition } from 'capstan/conditions';
 * const ready = findCondition([], 'Ready'); // undefined
 * ```
 */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Whether the condition of `type` is `True`; with `generation`, only if it was computed from that
 * generation (a `True` from an older spec does not count).
 *
 * @example
 * ```ts
 * import { isTrue } from 'capstan/conditions';
 * const conditions = [{ type: 'Ready', status: 'True' as const, reason: 'Done', message: '', observedGeneration: 1, lastTransitionTime: '2030-01-01T00:00:00Z' }];
 * isTrue(conditions, 'Ready');                     // true
 * isTrue(conditions, 'Ready', { generation: 2 });  // false: stale
 * ```
 */
export function isTrue(conditions: readonly Condition[] | undefined, type: string, options: { generation?: number } = {}): boolean {
  return hasStatus(conditions, type, 'True', options.generation);
}

/**
 * Whether the condition of `type` is `False` (optionally for `generation`); a missing one is not False.
 *
 * @example
 * ```ts
 * import { isFalse } from 'capstan/conditions';
 * isFalse([], 'Ready'); // false: no condition is not a False one
 * ```
 */
export function isFalse(conditions: readonly Condition[] | undefined, type: string, options: { generation?: number } = {}): boolean {
  return hasStatus(conditions, type, 'False', options.generation);
}

function hasStatus(
  conditions: readonly Condition[] | undefined,
  type: string,
  status: ConditionStatus,
  generation: number | undefined,
): boolean {
  const c = findCondition(conditions, type);
  return c?.status === status && (generation === undefined || c.observedGeneration === generation);
}

/**
 * The list without the condition of `type` (the same list when there is none). With server-side apply,
 * leaving a condition out of the next apply removes it as well, if this field manager owned it.
 *
 * @example
 * ```ts
 * import { removeCondition } from 'capstan/conditions';
 * removeCondition([], 'Degraded'); // []
 * ```
 */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  const list = (conditions ?? []) as Condition[];
  return list.some((c) => c.type === type) ? list.filter((c) => c.type !== type) : list;
}
