// The schema language of `apiextensions.k8s.io/v1` (JSONSchemaProps), as the converter emits it: only
// the fields the API server decodes, with the shapes it accepts.

/**
 * A JSON type a structural schema may name; Kubernetes has no `null` type (use `nullable`).
 *
 * @example
 * ```ts
 * import type { JsonType } from 'capstan/crd';
 * const scalar = (t: JsonType): boolean => t !== 'object' && t !== 'array';
 * ```
 */
export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/**
 * One CEL validation rule (`x-kubernetes-validations` entry). `self` is the value of the field the rule
 * sits on; `oldSelf` (transition rules) the value before an update.
 *
 * @example
 * ```ts
 * import type { ValidationRule } from 'capstan/crd';
 * const rule: ValidationRule = { rule: 'self.min <= self.max', message: 'min must not exceed max', fieldPath: '.min' };
 * ```
 */
export interface ValidationRule {
  /** The CEL expression; it must evaluate to true. */
  rule: string;
  /** Shown when the rule fails; no line breaks. */
  message?: string;
  /** A CEL expression evaluating to the message (takes precedence over `message`). */
  messageExpression?: string;
  /** The reason reported to the client; `FieldValueInvalid` when absent. */
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** Where the failure is reported, relative to the field: `.spec.x`, `.items['key']`. */
  fieldPath?: string;
  /** Evaluate transition rules on create too, with `oldSelf` an optional. */
  optionalOldSelf?: boolean;
}

/**
 * A structural OpenAPI v3 schema as `apiextensions.k8s.io/v1` stores it (`JSONSchemaProps`): every field
 * typed, no references, value validations only inside `anyOf`/`oneOf`/`allOf`/`not`.
 *
 * @example
 * ```ts
 * import type { StructuralSchema } from 'capstan/crd';
 * const ports: StructuralSchema = {
 *   type: 'array', maxItems: 16,
 *   'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
 *   items: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 15 } } },
 * };
 * ```
 */
export interface StructuralSchema {
  type?: JsonType;
  format?: string;
  title?: string;
  description?: string;
  default?: unknown;
  example?: unknown;
  externalDocs?: { description?: string; url?: string };
  nullable?: boolean;
  enum?: unknown[];
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  items?: StructuralSchema;
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  anyOf?: StructuralSchema[];
  oneOf?: StructuralSchema[];
  allOf?: StructuralSchema[];
  not?: StructuralSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'granular' | 'atomic';
  'x-kubernetes-validations'?: ValidationRule[];
}

/** Keywords copied as they are (after their own checks). */
export const passThroughKeywords: ReadonlySet<string> = new Set([
  'format',
  'title',
  'description',
  'example',
  'externalDocs',
  'nullable',
  'multipleOf',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'maxProperties',
  'minProperties',
  'maximum',
  'minimum',
]);

/** Keywords the converter handles itself (rewrites or checks). */
export const handledKeywords: ReadonlySet<string> = new Set([
  'type',
  'const',
  'enum',
  'default',
  'examples',
  'pattern',
  'required',
  'properties',
  'additionalProperties',
  'patternProperties',
  'items',
  'uniqueItems',
  'anyOf',
  'oneOf',
  'allOf',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

/** Keywords that mean references between schemas, which a CRD cannot hold. */
export const referenceKeywords: ReadonlySet<string> = new Set([
  '$ref',
  '$defs',
  'definitions',
  '$id',
  'id',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
]);

/** Advice for JSON Schema keywords Kubernetes lacks, where there is a better way to say the same. */
export const keywordAdvice: Readonly<Record<string, string>> = {
  $schema: 'remove it; CRD schemas are always OpenAPI v3',
  prefixItems: 'tuples have no structural form; use an object with named fields',
  additionalItems: 'tuples have no structural form; use an object with named fields',
  propertyNames: "use Type.Record(Type.String(), …) with a CEL rule on the keys, e.g. self.all(k, k.matches('^[a-z]+$'))",
  dependentRequired: 'use a CEL rule, e.g. !has(self.a) || has(self.b)',
  dependencies: 'use a CEL rule, e.g. !has(self.a) || has(self.b)',
  if: 'use a CEL rule (x-kubernetes-validations) for conditional constraints',
  not: 'use a CEL rule (x-kubernetes-validations)',
  contains: "use a CEL rule, e.g. self.exists(x, x == 'a')",
  readOnly: "use a transition rule, e.g. { rule: 'self == oldSelf', message: 'is immutable' }",
};

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values; object key order and undefined-valued keys do not matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
