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
