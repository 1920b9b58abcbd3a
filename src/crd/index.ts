// The crd layer: one typebox schema → a structural apiextensions.k8s.io/v1 CRD and static types.
// ObjectOf lives in core (it works for every Kind); it is re-exported here because declarations need it most.
/**
 * Custom resource definitions from one typebox schema: {@link customResource} declares a kind (a `Kind` for
 * clients and controllers, the object's static type, and a structural schema checked as the API server checks
 * it, so a bad schema fails at import and not at `kubectl apply`), and {@link crdFor} / {@link crdYaml} write its
 * CRD. Import it for the declaration helpers (`IntOrString`, `ListMap`, `MapOf`, `EmbeddedResource`, …), for CRDs
 * written by hand or by your own tool, and for {@link CrdError}; `capstan` re-exports the common path
 * (`customResource`, `Conditions`, `SpecOf`, `StatusOf`).
 *
 * @module capstan/crd
 */
export type { ObjectOf } from '../core/index.ts';
export { ConditionSchema, Conditions, type ConditionsOptions, type TCondition } from './conditions.ts';
export { toStructuralSchema } from './convert.ts';
export {
  type CrdConversion,
  crdFor,
  type CrdOptions,
  crdsFor,
  type CrdVersion,
  type CrdWebhookClientConfig,
  crdYaml,
  type CustomResourceDefinition,
} from './crd.ts';
export {
  type CustomObject,
  type CustomResource,
  type CustomResourceOptions,
  customResource,
  isCustomResource,
  type SpecOf,
  type StatusOf,
} from './declaration.ts';
export { CrdError, type CrdErrorCode } from './errors.ts';
export {
  EmbeddedResource,
  type EmbeddedObject,
  IntOrString,
  ListMap,
  ListSet,
  MapOf,
  PreserveUnknownFields,
} from './kubernetes-schemas.ts';
export type { CrdNames } from './names.ts';
export type { PrinterColumn, ScaleSubresource } from './printer-columns.ts';
export type { JsonType, StructuralSchema, ValidationRule } from './structural-schema.ts';
