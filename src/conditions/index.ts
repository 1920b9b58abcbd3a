/**
 * `metav1.Condition` helpers and status writes by server-side apply: pure functions that set, merge, find and
 * remove conditions (`lastTransitionTime` moves only when `status` flips), and the request that applies a
 * status. A reconcile usually calls `ctx.applyStatus`, which uses them; import this entry point to compute
 * conditions yourself or write status outside a reconcile.
 *
 * @module capstan/conditions
 */
export {
  conditionTime,
  findCondition,
  isFalse,
  isTrue,
  mergeConditions,
  removeCondition,
  setCondition,
  type ConditionInput,
} from './conditions.ts';
export { ConditionError } from './errors.ts';
export {
  statusApplyPatch,
  statusApplyRequest,
  type StatusApplyOptions,
  type StatusApplyPatch,
  type StatusTarget,
} from './status-apply.ts';
