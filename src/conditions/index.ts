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
