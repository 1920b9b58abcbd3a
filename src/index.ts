// `capstan`: the common path, what an operator's own code imports. Each layer's entry point (`capstan/controller`,
// `capstan/cache`, `capstan/client`, …) holds the rest, for wiring by hand; `capstan/testing` is for tests.
/**
 * Capstan: Kubernetes operators in TypeScript. This entry point is the common path, what an operator's own
 * code imports: the controller builder and its reconcile context, results and errors, the manager, custom
 * resource declarations, conditions, finalizers and the typed client's errors. The layers' entry points
 * (`capstan/client`, `capstan/watch`, `capstan/cache`, `capstan/queue`, `capstan/controller`,
 * `capstan/manager`, …) hold the rest for wiring by hand; `capstan/testing` is for tests.
 *
 * @module capstan
 */
export {
  CapstanError,
  type Condition,
  isCapstanError,
  defineKind,
  type Kind,
  type KubeObject,
  type ObjectMeta,
  type ObjectOf,
  type OwnerReference,
  objectKey,
} from './core/index.ts';
// The built-in kinds an operator most often owns or reads; every other one is in `capstan/kinds/<group>/<version>`.
export { ConfigMap, Namespace, Pod, Secret, Service, ServiceAccount } from './kinds/core/v1.ts';
export { Deployment } from './kinds/apps/v1.ts';
export { Job } from './kinds/batch/v1.ts';
export {
  ApiError,
  type ApiErrorCode,
  isAlreadyExists,
  isConflict,
  isNamespaceTerminating,
  isNotFound,
  isRefusal,
  isRetryable,
  type StatusBody,
} from './client/index.ts';
export type { ConditionInput } from './conditions/index.ts';
export { Conditions, type CustomResource, customResource, type SpecOf, type StatusOf } from './crd/index.ts';
export {
  type AnyControllerDefinition,
  type ApplyOutcome,
  controller,
  type ControllerBuilder,
  type ControllerDefinition,
  type DeleteChildOutcome,
  done,
  type ReconcileContext,
  type ReconcileResult,
  requeueAfter,
  TemporaryError,
  TerminalError,
} from './controller/index.ts';
export { Manager, ManagerFlagError, type ManagerOptions, managerOptionsFromFlags } from './manager/index.ts';
