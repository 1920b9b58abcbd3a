// The crd layer: one typebox schema → a structural apiextensions.k8s.io/v1 CRD and static types.
// ObjectOf lives in core (it works for every Kind); it is re-exported here because declarations need it most.
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
