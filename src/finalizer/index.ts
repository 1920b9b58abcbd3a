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
