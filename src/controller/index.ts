export {
  type AnyControllerDefinition,
  controller,
  type ControllerBuilder,
  type ControllerDefinition,
  type OwnedKind,
  type WatchedKind,
} from './builder.ts';
export { type ChildOutcome, ensureChild, type EnsureChildOptions, type ObjectReader } from './child.ts';
export type { ReconcileContext } from './context.ts';
export { Controller, type ControllerOptions, type MappedSource, type Reconciler } from './controller.ts';
export { controllerReferenceOf, isControlledBy, isControlledByKind, ownerReferenceTo } from './owner-reference.ts';
export { done, type ReconcileResult, requeueAfter, TemporaryError, TerminalError } from './result.ts';
export { type Logger, type ObjectChange, type ObjectSource, silentLogger } from './source.ts';
