// `metav1.Condition` as a schema, field for field as k8s.io/apimachinery declares it (required fields,
// the status enum, length limits and patterns), and the conditions list as Kubernetes APIs declare it:
// a list map keyed on `type`, so that server-side-apply writers with their own field managers each own
// their own conditions and never overwrite each other's.
import Type, { type TArray, type TObject, type TInteger, type TLiteral, type TOptional, type TString, type TUnion } from 'typebox';

/**
 * The typebox type of {@link ConditionSchema}; `Static<TCondition>` is `Condition` from `capstan/core`.
 *
 * @example
 * ```ts
 * import type { Static } from 'typebox';
 * import type { TCondition } from 'capstan/crd';
 * const ready: Static<TCondition> = { type: 'Ready', status: 'True', reason: 'Done', message: '', lastTransitionTime: '2030-01-01T00:00:00Z' };
 * ```
 */
export type TCondition = TObject<{
  /** The condition's type, CamelCase (`Ready`), optionally domain-prefixed; the list's key. */
  type: TString;
  /** `True`, `False` or `Unknown`. */
  status: TUnion<[TLiteral<'True'>, TLiteral<'False'>, TLiteral<'Unknown'>]>;
  /** The `metadata.generation` the condition was computed from. */
  observedGeneration: TOptional<TInteger>;
  /** When `status` last changed (RFC 3339); not touched when only reason or message change. */
  lastTransitionTime: TString;
  /** A CamelCase identifier of why the condition is as it is, for machines. */
  reason: TString;
  /** Details for humans; may be empty. */
  message: TString;
}>;

/**
 * The schema of one `metav1.Condition`, field for field as k8s.io/apimachinery declares it (required fields, the
 * status enum, length limits and patterns), so the API server refuses a malformed condition. For the list, use
 * {@link Conditions}.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { ConditionSchema } from 'capstan/crd';
 * const status = Type.Object({ ready: Type.Optional(ConditionSchema) });
 * ```
 */
export const ConditionSchema: TCondition = Type.Object(
  {
    type: Type.String({
      description: 'Type of condition in CamelCase or in foo.example.com/CamelCase.',
      maxLength: 316,
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')], {
      description: 'Status of the condition, one of True, False, Unknown.',
    }),
    observedGeneration: Type.Optional(
      Type.Integer({
        description: 'The .metadata.generation that the condition was set based upon.',
        format: 'int64',
        minimum: 0,
      }),
    ),
    lastTransitionTime: Type.String({
      description: 'The last time the condition transitioned from one status to another.',
      format: 'date-time',
    }),
    reason: Type.String({
      description: 'A programmatic identifier (CamelCase) for the reason of the last transition.',
      maxLength: 1024,
      minLength: 1,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({
      description: 'A human-readable message with details about the transition; may be empty.',
      maxLength: 32768,
    }),
  },
  { description: 'Condition contains details for one aspect of the current state of this API Resource.' },
);

/**
 * Options of {@link Conditions}.
 *
 * @example
 * ```ts
 * import { Conditions, type ConditionsOptions } from 'capstan/crd';
 * const options: ConditionsOptions = { maxItems: 16, description: 'What the controller observed' };
 * const conditions = Conditions(options);
 * ```
 */
export interface ConditionsOptions {
  /** Shown by `kubectl explain` for the list; defaults to the Kubernetes wording. */
  description?: string;
  /** metav1 sets no bound; set one when CEL rules walk the list. */
  maxItems?: number;
}

/**
 * The `status.conditions` list: `x-kubernetes-list-type: map` keyed on `type`, as Kubernetes APIs declare it, so
 * that writers with their own server-side-apply field managers each own their conditions and never overwrite
 * each other's.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { Conditions } from 'capstan/crd';
 * const status = Type.Object({
 *   observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
 *   conditions: Type.Optional(Conditions()),
 * });
 * ```
 */
export function Conditions(options: ConditionsOptions = {}): TArray<TCondition> {
  return Type.Array(ConditionSchema, {
    description: options.description ?? "The latest available observations of the object's state.",
    ...(options.maxItems !== undefined ? { maxItems: options.maxItems } : {}),
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  });
}
