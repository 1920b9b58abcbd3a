// `capstan`: the common path, what an operator's own code imports. Each layer's entry point (`capstan/controller`,
// `capstan/cache`, `capstan/client`, …) holds the rest, for wiring by hand; `capstan/testing` is for tests.
export {
  CapstanError,
  type Condition,
  ConfigMap,
  isCapstanError,
  defineKind,
  type Kind,
  type KubeObject,
  Namespace,
  type ObjectMeta,
  type ObjectOf,
  type OwnerReference,
  objectKey,
  Secret,
  ServiceAccount,
} from './core/index.ts';
export {
  ApiError,
  type ApiErrorCode,
  isAlreadyExists,
  isConflict,
  isNotFound,
  isRefusal,
  isRetryable,
  type StatusBody,
} from './client/index.ts';
export { Conditions, type CustomResource, customResource, type SpecOf, type StatusOf } from './crd/index.ts';
export {
  type AnyControllerDefinition,
  controller,
  type ControllerBuilder,
  type ControllerDefinition,
  done,
  type ReconcileContext,
  type ReconcileResult,
  requeueAfter,
  TemporaryError,
  TerminalError,
} from './controller/index.ts';
export { Manager, ManagerFlagError, type ManagerOptions, managerOptionsFromFlags } from './manager/index.ts';
