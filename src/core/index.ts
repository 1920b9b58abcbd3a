/**
 * The vocabulary every layer shares: Kubernetes objects and their metadata ({@link KubeObject},
 * {@link ObjectMeta}), kinds ({@link defineKind}) and the resource descriptors behind them, label selectors,
 * conditions, JSON Patch operations, the {@link CapstanError} family, clocks and loggers, and the plain-data
 * controller declarations RBAC is generated from. The root entry `capstan` re-exports what an operator's own
 * code needs (`KubeObject`, `defineKind`, `CapstanError`, …); import this one for the rest: label selector
 * helpers, {@link ManualClock} for timing tests, {@link declareController}, {@link resourcePath}.
 *
 * @module capstan/core
 */
export { CapstanError, isCapstanError, UsageError } from './errors.ts';
export type { PolicyRule } from './rbac.ts';
export { systemClock, type Clock, type Timer } from './clock.ts';
export { ManualClock } from './manual-clock.ts';
export { type Logger, silentLogger } from './logger.ts';
export { microTime } from './micro-time.ts';
export { apiVersionOf, resourcePath, type ResourceDescriptor, type ResourcePathOptions } from './resource.ts';
export {
  declareController,
  DeclarationError,
  type ControllerDeclaration,
  type ControllerDeclarationInput,
  type OwnsDeclaration,
  type ReadDeclaration,
  type WebhookDeclaration,
  webhookCertificateSecretName,
  webhookServiceName,
  type WatchDeclaration,
  type WriteDeclaration,
  type WriteVerb,
} from './declarations.ts';
export {
  objectKey,
  type KubeObject,
  type ListMeta,
  type ManagedFieldsEntry,
  type ObjectList,
  type ObjectMeta,
  type OwnerReference,
  type PartialObjectMetadata,
} from './kube-object.ts';
export { defineKind, type Kind, type ObjectOf } from './kinds.ts';
export {
  formatLabelSelector,
  type LabelSelector,
  LabelSelectorError,
  type LabelSelectorInput,
  type LabelSelectorRequirement,
  matchesLabelSelector,
  parseLabelSelector,
} from './label-selector.ts';
export { type JsonPatchOperation, jsonPointerSegment } from './json-patch.ts';
export type { Condition, ConditionStatus } from './condition.ts';
