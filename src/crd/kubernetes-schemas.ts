// typebox schemas for the Kubernetes-specific shapes (x-kubernetes-* extensions), each with the static
// type a reconciler receives. Plain typebox covers the rest (Type.Object, Type.String({ maxLength }), …).
import Type, { type Static, type TArray, type TArrayOptions, type TObject, type TSchema, type TSchemaOptions, type TUnsafe } from 'typebox';
import type { ObjectMeta } from '../core/index.ts';

/**
 * An integer or a string (`x-kubernetes-int-or-string`), like a port (`8080` or `http`) or a percentage
 * (`25%`). String bounds and patterns apply to strings, numeric bounds to integers.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { IntOrString } from 'capstan/crd';
 * const spec = Type.Object({ maxUnavailable: IntOrString({ pattern: '^[0-9]+%$', maxLength: 4, minimum: 0 }) });
 * ```
 */
export function IntOrString(
  options: TSchemaOptions & { maxLength?: number; minLength?: number; pattern?: string; minimum?: number; maximum?: number } = {},
): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({ ...options, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] });
}

/**
 * Arbitrary JSON kept as written (`x-kubernetes-preserve-unknown-fields`): the server neither validates
 * nor prunes it. Use for pass-through configuration; CEL rules cannot look inside it.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { PreserveUnknownFields } from 'capstan/crd';
 * const spec = Type.Object({ values: PreserveUnknownFields({ description: 'Helm values, passed through' }) });
 * ```
 */
export function PreserveUnknownFields(options: TSchemaOptions = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({ ...options, type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
}

/**
 * A Kubernetes object embedded in a field: the server checks its apiVersion, kind and metadata.
 *
 * @example
 * ```ts
 * import type { EmbeddedObject } from 'capstan/crd';
 * const template: EmbeddedObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made' }, data: { k: 'v' } };
 * ```
 */
export interface EmbeddedObject {
  /** The embedded object's `apiVersion`; required by the server. */
  apiVersion: string;
  /** The embedded object's `kind`; required by the server. */
  kind: string;
  /** Its metadata, validated by the server as an object's metadata. */
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/**
 * A whole Kubernetes object inside a field (`x-kubernetes-embedded-resource`), like a Pod template.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { EmbeddedResource } from 'capstan/crd';
 * const spec = Type.Object({ template: EmbeddedResource({ description: 'The object to create' }) });
 * ```
 */
export function EmbeddedResource(options: TSchemaOptions = {}): TUnsafe<EmbeddedObject> {
  return Type.Unsafe<EmbeddedObject>({
    ...options,
    type: 'object',
    'x-kubernetes-embedded-resource': true,
    'x-kubernetes-preserve-unknown-fields': true,
  });
}

/**
 * A list of objects keyed by one or more of their fields (`x-kubernetes-list-type: map`): server-side
 * apply merges it item by item, and duplicate keys are refused. Key fields must be required (or have
 * a default).
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { ListMap } from 'capstan/crd';
 * const ports = ListMap(Type.Object({ name: Type.String({ maxLength: 15 }), port: Type.Integer() }), ['name'], { maxItems: 16 });
 * ```
 */
export function ListMap<T extends TObject, const Key extends keyof Static<T> & string>(
  items: T,
  keys: readonly [Key, ...Key[]],
  options: TArrayOptions = {},
): TArray<T> {
  return Type.Array(items, { ...options, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [...keys] });
}

/**
 * A list of unique scalars (`x-kubernetes-list-type: set`): duplicates are refused, and server-side apply
 * merges it value by value.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { ListSet } from 'capstan/crd';
 * const finalizers = ListSet(Type.String({ maxLength: 253 }), { maxItems: 32 });
 * ```
 */
export function ListSet<T extends TSchema>(items: T, options: TArrayOptions = {}): TArray<T> {
  return Type.Array(items, { ...options, 'x-kubernetes-list-type': 'set' });
}

/**
 * A map from string keys to values of one schema (`additionalProperties`), like labels. With
 * `mapType: 'atomic'`, server-side apply replaces it whole instead of merging it key by key.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { MapOf } from 'capstan/crd';
 * const labels = MapOf(Type.String({ maxLength: 63 }), { maxProperties: 64 });
 * ```
 */
export function MapOf<V extends TSchema>(
  values: V,
  options: TSchemaOptions & { maxProperties?: number; minProperties?: number; mapType?: 'granular' | 'atomic' } = {},
): TUnsafe<Record<string, Static<V>>> {
  const { mapType, ...rest } = options;
  return Type.Unsafe<Record<string, Static<V>>>({
    ...rest,
    type: 'object',
    additionalProperties: values,
    ...(mapType ? { 'x-kubernetes-map-type': mapType } : {}),
  });
}
