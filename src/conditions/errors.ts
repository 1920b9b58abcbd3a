import { CapstanError } from '../core/index.ts';

/**
 * `INVALID_CONDITION`: a condition the API server would refuse (bad `type` or `reason`, message too long,
 * unknown status), caught before the write so the reconcile that built it is the one named.
 * `INVALID_STATUS_TARGET`: a status write for an object without a name (or a namespace, if namespaced).
 *
 * @example
 * ```ts
 * import { ConditionError, setCondition } from 'capstan/conditions';
 * try {
 *   setCondition([], { type: 'Ready', status: 'True', reason: 'not camel case' });
 * } catch (err) {
 *   if (err instanceof ConditionError) console.log(err.code); // 'INVALID_CONDITION'
 * }
 * ```
 */
export class ConditionError extends CapstanError<'INVALID_CONDITION' | 'INVALID_STATUS_TARGET'> {}
