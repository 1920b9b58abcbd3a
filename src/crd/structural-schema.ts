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
  /** The JSON type; every node needs one but those inside `anyOf`/`oneOf`/`allOf`/`not` and int-or-string or preserve-unknown-fields ones. */
  type?: JsonType;
  /** An OpenAPI format (`int32`, `int64`, `date-time`, `byte`, …); the API server validates the ones it knows. */
  format?: string;
  /** A short title, kept as written. */
  title?: string;
  /** What the field means, shown by `kubectl explain`. */
  description?: string;
  /** The value the API server sets when the field is absent (on write and on read from storage); must satisfy the schema. */
  default?: unknown;
  /** An example value, for documentation only. */
  example?: unknown;
  /** Where more about the field is documented. */
  externalDocs?: {
    /** What the link is about. */
    description?: string;
    /** The link. */
    url?: string;
  };
  /** Whether `null` is kept as a value; otherwise a `null` is pruned (and the default, if any, applied). */
  nullable?: boolean;
  /** The allowed values, all of the field's type. */
  enum?: unknown[];
  /** The largest value allowed. */
  maximum?: number;
  /** With true, `maximum` itself is not allowed (OpenAPI v3.0's boolean form). */
  exclusiveMaximum?: boolean;
  /** The smallest value allowed. */
  minimum?: number;
  /** With true, `minimum` itself is not allowed (OpenAPI v3.0's boolean form). */
  exclusiveMinimum?: boolean;
  /** The value must be a multiple of this. */
  multipleOf?: number;
  /** The most characters a string may have; CEL cost estimates rely on it. */
  maxLength?: number;
  /** The fewest characters a string may have. */
  minLength?: number;
  /** A regular expression the string must match, in the syntax of Go's RE2 (the API server's engine). */
  pattern?: string;
  /** The most items a list may have; CEL cost estimates rely on it. */
  maxItems?: number;
  /** The fewest items a list may have. */
  minItems?: number;
  /** The schema of every item of a list. */
  items?: StructuralSchema;
  /** The most keys a map may have; CEL cost estimates rely on it. */
  maxProperties?: number;
  /** The fewest keys a map may have. */
  minProperties?: number;
  /** The properties an object must have. */
  required?: string[];
  /** The fields of an object (a struct); fields it does not name are pruned unless preserved. */
  properties?: Record<string, StructuralSchema>;
  /** The schema of every value of a map; exclusive with `properties`. */
  additionalProperties?: StructuralSchema | boolean;
  /** Value validations of which at least one must pass; they may not add types or fields the node lacks. */
  anyOf?: StructuralSchema[];
  /** Value validations of which exactly one must pass; structurally limited as `anyOf`. */
  oneOf?: StructuralSchema[];
  /** Value validations that must all pass; structurally limited as `anyOf`. */
  allOf?: StructuralSchema[];
  /** A value validation that must fail; structurally limited as `anyOf`. */
  not?: StructuralSchema;
  /** Keep fields the schema does not name instead of pruning them. */
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  /** The value is a whole Kubernetes object: its `apiVersion`, `kind` and `metadata` are checked. */
  'x-kubernetes-embedded-resource'?: boolean;
  /** The value is an integer or a string (a port, a percentage). */
  'x-kubernetes-int-or-string'?: boolean;
  /** How server-side apply merges a list: `atomic` whole, `set` by value, `map` by its key fields. */
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  /** The key fields of a `map` list; each must be required or defaulted. */
  'x-kubernetes-list-map-keys'?: string[];
  /** How server-side apply merges a map or struct: `granular` key by key, `atomic` whole. */
  'x-kubernetes-map-type'?: 'granular' | 'atomic';
  /** CEL rules on this node's value (`self`). */
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
