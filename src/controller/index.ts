/**
 * Controllers by hand and the parts the builder is made of: the {@link controller} builder and its definition
 * types, the {@link Controller} runner, reconcile results and errors, child writes by server-side apply
 * ({@link applyChild}) or merge patch ({@link ensureChild}), owner references, predicates and declared reads.
 * Import it to wire a controller without the manager, to test a piece of one, or for a name the root entry
 * `capstan` does not carry (predicates, `applyChild`, `ownerReferenceTo`); the common path needs only `capstan`.
 *
 * @module capstan/controller
 */
export {
  type AnyControllerDefinition,
  controller,
  type ControllerBuilder,
  type ControllerDefinition,
  type QueueSettings,
  type IndexedKind,
  type OwnedKind,
  type ReadKind,
  type WatchedKind,
} from './builder.ts';
export { type ApplyChildOptions, applyChild, type ApplyOutcome, isImmutableFieldError, type OnImmutable } from './apply.ts';
export { type ChildOutcome, ensureChild, type EnsureChildOptions, type ObjectReader } from './child.ts';
export { type ApplyDiff, applyDiff, type FieldsV1, upgradedManagedFields } from './field-set.ts';
export type { ChildApplyOptions, DeleteChildOutcome, ReconcileContext } from './context.ts';
export { Controller, type ControllerOptions, type MappedCache, type Reconciler, ReconcileTimeoutError } from './controller.ts';
export { controllerReferenceOf, isControlledBy, isControlledByKind, ownerReferenceTo } from './owner-reference.ts';
export { done, type ReconcileResult, requeueAfter, TemporaryError, TerminalError } from './result.ts';
export type { View } from './freshness.ts';
export { and, annotationsChanged, generationChanged, labelsChanged, not, or, type Predicate } from './predicates.ts';
export {
  type CacheReads,
  type CachedGetOptions,
  type CachedListOptions,
  type DeclaredReads,
  ReadError,
  type ReadScope,
  type ReadSource,
} from './reads.ts';
