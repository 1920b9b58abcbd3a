import { CapstanError } from '../core/index.ts';

/**
 * What is wrong with a custom resource declaration. Each code names one construct the API server would
 * refuse (or that Capstan refuses by policy); the message names the schema path and what to do instead.
 *
 * @example
 * ```ts
 * import type { CrdErrorCode } from 'capstan/crd';
 * const needsAWebhook = (code: CrdErrorCode): boolean => code === 'VERSION_SCHEMAS_DIFFER';
 * ```
 */
export type CrdErrorCode =
  /** A field with no `type` (Type.Unknown(), Type.Any(), a bare enum of mixed values…). */
  | 'MISSING_TYPE'
  /** A TypeScript-only type with no JSON form (Date, bigint, function, undefined, …) or an unknown `type`. */
  | 'UNSUPPORTED_TYPE'
  /** A JSON Schema keyword that `apiextensions.k8s.io/v1` does not have (strict decoding refuses it). */
  | 'UNSUPPORTED_KEYWORD'
  /** `$ref`, `$defs`, `definitions`, `$id`: CRD schemas must be self-contained and not recursive. */
  | 'REFERENCE'
  /** `{ type: 'null' }` on its own: Kubernetes has no null type, only `nullable`. */
  | 'NULL_TYPE'
  /** `additionalProperties` (a map) beside `properties` (a struct): the two are mutually exclusive. */
  | 'PROPERTIES_AND_ADDITIONAL_PROPERTIES'
  /** `patternProperties` other than a match-all record key. */
  | 'PATTERN_PROPERTIES'
  /** `uniqueItems: true` on a list whose items are not scalars. */
  | 'UNIQUE_ITEMS'
  /** A tuple (`items` as an array, `prefixItems`). */
  | 'TUPLE'
  /** A union (`anyOf`/`oneOf`) with no structural form: mixed kinds, unions of arrays, conflicting members. */
  | 'UNION'
  /** An intersection (`allOf`) whose members conflict or are not objects. */
  | 'INTERSECTION'
  /** An `enum` whose values do not share one JSON type, or do not fit the field's type. */
  | 'ENUM'
  /** A `default` that does not satisfy its own schema. */
  | 'DEFAULT'
  /** A misused `x-kubernetes-*` extension (list-type on a string, list-map keys that are not required, …). */
  | 'EXTENSION'
  /** A `pattern` that Go's RE2 (the API server's regular expression engine) cannot compile. */
  | 'PATTERN'
  /** An `x-kubernetes-validations` entry the server refuses: bad reason, fieldPath, message, or unknown field. */
  | 'VALIDATION_RULE'
  /** A CEL rule whose estimated cost is above the API server's limits. */
  | 'CEL_COST'
  /** A printer column whose `jsonPath` names no field of the schema. */
  | 'PRINTER_COLUMN'
  /** Names, group, version, scope or subresources that the API server would refuse. */
  | 'DECLARATION'
  /** Several versions of one kind with different schemas: that needs a conversion webhook. */
  | 'VERSION_SCHEMAS_DIFFER'
  /** Several versions of one kind that disagree on names, scope, or which version is stored. */
  | 'VERSIONS';

/**
 * A custom resource declaration that cannot become a CRD the API server accepts. `code` says which rule
 * was broken, `path` where (`spec.ports[*].name`; `[*]` is a list item, `{*}` a map value, `<anyOf[1]>` a
 * union member), and the message what to write instead.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { CrdError, toStructuralSchema } from 'capstan/crd';
 * try {
 *   toStructuralSchema(Type.Object({ anything: Type.Unknown() }), 'spec');
 * } catch (err) {
 *   if (err instanceof CrdError) console.log(err.code, err.path); // 'MISSING_TYPE' 'spec.anything'
 * }
 * ```
 */
export class CrdError extends CapstanError<CrdErrorCode> {
  /** The schema path of the offending node, or the declaration field. */
  readonly path: string;

  constructor(code: CrdErrorCode, path: string, problem: string, options?: ErrorOptions) {
    super(code, path === '' ? problem : `${path}: ${problem}`, options);
    this.path = path;
  }
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** The path of property `name` under `path`: `spec.name`, or `spec["a.b"]` for names that are not identifiers. */
export function propertyPath(path: string, name: string): string {
  if (!identifier.test(name)) return `${path}[${JSON.stringify(name)}]`;
  return path === '' ? name : `${path}.${name}`;
}

/** The path of the items of the list at `path`. */
export function itemsPath(path: string): string {
  return `${path}[*]`;
}

/** The path of the values of the map at `path`. */
export function valuesPath(path: string): string {
  return `${path}{*}`;
}
