export { CapstanError } from './errors.ts';
export type { PolicyRule } from './rbac.ts';
export { systemClock, type Clock, type Timer } from './clock.ts';
export { ManualClock } from './manual-clock.ts';
export { apiVersionOf, resourcePath, type ResourceDescriptor, type ResourcePathOptions } from './resource.ts';
export {
  declareController, DeclarationError, type ControllerDeclaration, type ControllerDeclarationInput, type OwnsDeclaration,
  type WatchDeclaration, type WriteDeclaration, type WriteVerb,
} from './declarations.ts';
export type { Condition, ConditionStatus } from './condition.ts';
