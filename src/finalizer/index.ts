/**
 * Finalizers, as kube-rs `finalizer()`: {@link finalize} runs `apply` for a live object and `cleanup` before
 * the object may go, with guarded JSON Patch writes of `metadata.finalizers`. A reconcile usually calls
 * `ctx.finalize`; import this entry point to manage a finalizer outside one.
 *
 * @module capstan/finalizer
 */
export {
  addFinalizer,
  finalize,
  FinalizerError,
  removeFinalizer,
  type FinalizableObject,
  type FinalizeHandlers,
  type FinalizerErrorCode,
  type FinalizerTarget,
} from './finalizer.ts';
