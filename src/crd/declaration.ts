// A custom resource, declared once: names, schemas and printer columns in, a Kind (for clients and
// controllers), the object's static type and the version's structural schema out. Declaring converts and
// checks everything at once, so a module that declares a bad schema fails when it is imported, and
// `capstan generate` can import it to write the CRD without starting anything.
import type { Static, TSchema } from 'typebox';
import type { Kind, ObjectMeta } from '../core/index.ts';
import { checkCelRules } from './cel-rules.ts';
import { convertNode } from './convert.ts';
import { violation } from './default-check.ts';
import { CrdError } from './errors.ts';
import { checkGroup, checkVersion, crdNames, type CrdNames } from './names.ts';
import { checkPrinterColumns, checkScale, type PrinterColumn, type ScaleSubresource } from './printer-columns.ts';
import { checkRuleShapes } from './rule-shapes.ts';
import type { StructuralSchema, ValidationRule } from './structural-schema.ts';

/**
 * What {@link customResource} takes. Only group, version, kind and spec are required.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { customResource, type CustomResourceOptions } from 'capstan/crd';
 * const spec = Type.Object({ size: Type.Integer() });
 * const options: CustomResourceOptions<'example.com', 'v1', 'Widget', typeof spec, undefined> = {
 *   group: 'example.com', version: 'v1', kind: 'Widget', scope: 'Cluster', spec,
 * };
 * const Widget = customResource(options);
 * ```
 */
export interface CustomResourceOptions<
  G extends string,
  V extends string,
  K extends string,
  Spec extends TSchema,
  Status extends TSchema | undefined,
> {
  /** The API group, a DNS name with at least one dot (`apps.example.com`). */
  group: G;
  /** The version name (`v1`, `v1alpha1`, `v2beta1`); declare each version of a kind with its own call. */
  version: V;
  /** The kind, CamelCase (`HelloWorld`): what `kind:` says in a manifest. */
  kind: K;
  /** Defaults to the lower-cased kind, pluralized (`helloworlds`). */
  plural?: string;
  /** Defaults to the lower-cased kind. */
  singular?: string;
  /** The kind of its lists; defaults to `<kind>List`. */
  listKind?: string;
  /** Abbreviations `kubectl get` accepts (`hw`); each must differ from the plural and singular. */
  shortNames?: string[];
  /** Groups it joins for `kubectl get <category>` (`all`, or your operator's name). */
  categories?: string[];
  /** Defaults to `Namespaced`. */
  scope?: 'Namespaced' | 'Cluster';
  /** Shown by `kubectl explain` for the kind itself. */
  description?: string;
  /** The schema of `spec`: a `Type.Object`, converted to a structural schema (or refused with a {@link CrdError}). */
  spec: Spec;
  /** With a status schema, the status subresource is enabled: status is written apart from spec. */
  status?: Status;
  /** CEL rules on the whole object (`self.spec`, `self.status`, `self.metadata.name`). */
  validations?: ValidationRule[];
  /** The columns of `kubectl get`; each `jsonPath` under `.spec` or `.status` is checked against the schema. */
  printerColumns?: PrinterColumn[];
  /** Enables the scale subresource (`kubectl scale`, HorizontalPodAutoscaler); the replica paths must name integer fields. */
  scale?: ScaleSubresource;
  /** Defaults to true. */
  served?: boolean;
  /** Defaults to true; with several versions of one kind, exactly one is stored. */
  storage?: boolean;
  /** Marks the version deprecated: every request for it gets a warning (`kubectl` prints it). Defaults to false. */
  deprecated?: boolean;
  /** The warning sent for a deprecated version, instead of the API server's default one. */
  deprecationWarning?: string;
}

/** One object type instead of an intersection, so editors and type errors show its fields. */
type Flatten<T> = { [K in keyof T]: T[K] } & {};

/**
 * The object a custom resource's clients and reconcilers see, as the API server returns it: `apiVersion`
 * and `kind` are always set for custom resources (lists and watches included), and `spec` is always
 * there (required, or defaulted to `{}` by the server). `ObjectOf<typeof X>` (capstan/core) gives it for a
 * declaration.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import type { CustomObject } from 'capstan/crd';
 * const spec = Type.Object({ size: Type.Integer() });
 * const widget: CustomObject<'example.com', 'v1', 'Widget', typeof spec, undefined> = {
 *   apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 },
 * };
 * ```
 */
export type CustomObject<
  G extends string,
  V extends string,
  K extends string,
  Spec extends TSchema,
  Status extends TSchema | undefined,
> = Flatten<
  {
    /** `<group>/<version>`, always set on what the API server returns. */
    apiVersion: `${G}/${V}`;
    /** The kind, always set on what the API server returns. */
    kind: K;
    /** Name, namespace, labels, resourceVersion and the rest of `metav1.ObjectMeta`. */
    metadata: ObjectMeta;
    /** The desired state, typed from the spec schema. */
    spec: Static<Spec>;
  } & (Status extends TSchema
    ? {
        /** The observed state, typed from the status schema; absent until a controller first writes it. */
        status?: Static<Status>;
      }
    : unknown)
>;

/**
 * A declared custom resource: a `Kind` (capstan/core) plus everything its CRD needs. Plain, frozen data.
 *
 * @example
 * ```ts
 * import type { CustomResource } from 'capstan/crd';
 * function describe(resource: CustomResource): string {
 *   return `${resource.names.plural}.${resource.group} (${resource.scope}, stored: ${resource.storage})`;
 * }
 * ```
 */
export interface CustomResource<
  G extends string = string,
  V extends string = string,
  K extends string = string,
  Spec extends TSchema = TSchema,
  Status extends TSchema | undefined = TSchema | undefined,
> extends Kind<CustomObject<G, V, K, Spec, Status>> {
  /** The API group, as declared. */
  readonly group: G;
  /** The version this declaration is (one of the CRD's `spec.versions`). */
  readonly version: V;
  /** The kind, as declared. */
  readonly kind: K;
  /** `<group>/<version>`, as objects of this version carry it. */
  readonly apiVersion: `${G}/${V}`;
  /** The CRD's `spec.names`, checked, with the defaults filled in. */
  readonly names: Readonly<CrdNames>;
  /** `Namespaced` or `Cluster`. */
  readonly scope: 'Namespaced' | 'Cluster';
  /** The typebox schemas as declared: `Static<typeof HelloWorld.spec>` is the spec's type. */
  readonly spec: Spec;
  /** The status schema as declared; `undefined` when the kind has no status (and so no status subresource). */
  readonly status: Status;
  /** The version's `openAPIV3Schema`: structural, checked, ready for the API server. */
  readonly schema: StructuralSchema;
  /** The `kubectl get` columns, checked against the schema. */
  readonly printerColumns: readonly PrinterColumn[];
  /** The version's subresources, as the CRD lists them. */
  readonly subresources: {
    /** `{}` when a status schema was declared: status is written through `/status`, apart from spec. */
    readonly status?: Record<string, never>;
    /** The scale subresource, when declared. */
    readonly scale?: ScaleSubresource;
  };
  /** Whether the API server serves this version. */
  readonly served: boolean;
  /** Whether this is the version objects are stored in (exactly one per CRD). */
  readonly storage: boolean;
  /** Whether requests for this version get a deprecation warning. */
  readonly deprecated: boolean;
  /** The deprecation warning sent instead of the default one. */
  readonly deprecationWarning?: string;
}

const brand = Symbol.for('capstan.crd.CustomResource');

/**
 * Declare a custom resource from typebox schemas. Throws {@link CrdError} (with the schema path) for
 * anything the API server would refuse. The result is a `Kind`, so `ObjectOf<typeof X>` is the object's
 * type; `crdFor(X)` and `crdYaml(X)` give the CRD.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import type { ObjectOf } from 'capstan/core';
 * import { Conditions, crdYaml, customResource } from 'capstan/crd';
 *
 * export const HelloWorld = customResource({
 *   group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', shortNames: ['hw'],
 *   spec: Type.Object({ name: Type.String({ minLength: 1, maxLength: 253, description: 'The message to publish' }) }),
 *   status: Type.Object({
 *     observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
 *     conditions: Type.Optional(Conditions()),
 *   }),
 *   printerColumns: [
 *     { name: 'Message', type: 'string', jsonPath: '.spec.name' },
 *     { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
 *     { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
 *   ],
 * });
 * export type HelloWorld = ObjectOf<typeof HelloWorld>; // { apiVersion: 'apps.example.com/v1alpha1'; spec: { name: string }; … }
 * console.log(crdYaml(HelloWorld));
 * ```
 */
export function customResource<
  const G extends string,
  const V extends string,
  const K extends string,
  Spec extends TSchema,
  Status extends TSchema | undefined = undefined,
>(options: CustomResourceOptions<G, V, K, Spec, Status>): CustomResource<G, V, K, Spec, Status> {
  const group = checkGroup(options.group) as G;
  const version = checkVersion(options.version) as V;
  const names = crdNames(options);
  const scope = options.scope ?? 'Namespaced';
  if (scope !== 'Namespaced' && scope !== 'Cluster')
    throw new CrdError('DECLARATION', 'scope', `must be Namespaced or Cluster, not ${JSON.stringify(scope)}`);
  const schema = rootSchema(options);
  checkCelRules(schema, '', true);
  const printerColumns = checkPrinterColumns(options.printerColumns ?? [], schema);
  const subresources: { status?: Record<string, never>; scale?: ScaleSubresource } = {};
  if (options.status !== undefined) subresources.status = {};
  if (options.scale !== undefined) subresources.scale = checkScale(options.scale, schema);
  const resource = {
    group,
    version,
    kind: options.kind,
    apiVersion: `${group}/${version}` as const,
    plural: names.plural,
    namespaced: scope === 'Namespaced',
    names,
    scope,
    spec: options.spec,
    status: options.status as Status,
    schema,
    printerColumns,
    subresources,
    served: options.served ?? true,
    storage: options.storage ?? true,
    deprecated: options.deprecated ?? false,
    ...(options.deprecationWarning !== undefined ? { deprecationWarning: options.deprecationWarning } : {}),
  };
  Object.defineProperty(resource, brand, { value: true });
  return Object.freeze(resource);
}

/**
 * True for what {@link customResource} returned: how a tool that imports a user's module finds the
 * declarations among its exports.
 *
 * @example
 * ```ts
 * import { isCustomResource } from 'capstan/crd';
 * const module: Record<string, unknown> = await import('node:os');
 * const declared = Object.values(module).filter(isCustomResource); // []
 * ```
 */
export function isCustomResource(value: unknown): value is CustomResource {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

const apiVersionDescription =
  'The versioned schema of this representation of the object (group/version). Servers convert recognized schemas to the latest internal value.';
const kindDescription =
  'The REST resource this object represents (CamelCase). Servers infer it from the endpoint the client submits requests to.';

function rootSchema(options: CustomResourceOptions<string, string, string, TSchema, TSchema | undefined>): StructuralSchema {
  const spec = convertNode(options.spec, 'spec');
  if (spec.type !== 'object')
    throw new CrdError('DECLARATION', 'spec', `must be an object schema (Type.Object), not ${spec.type ?? 'untyped'}`);
  const properties: Record<string, StructuralSchema> = {
    apiVersion: { description: apiVersionDescription, type: 'string' },
    kind: { description: kindDescription, type: 'string' },
    metadata: { type: 'object' },
    spec,
  };
  const root: StructuralSchema = { type: 'object', properties };
  if (options.description !== undefined) root.description = options.description;
  // The object type says spec is always there: require it when it has required fields, otherwise let
  // the server default it to {} (its own field defaults then apply too).
  if (spec.default === undefined && violation(spec, {}, 'spec') === undefined) properties['spec'] = { ...spec, default: {} };
  else if (spec.default === undefined) root.required = ['spec'];
  if (options.status !== undefined) {
    const status = convertNode(options.status, 'status');
    if (status.type !== 'object')
      throw new CrdError('DECLARATION', 'status', `must be an object schema (Type.Object), not ${status.type ?? 'untyped'}`);
    properties['status'] = status;
  }
  if (options.validations !== undefined) root['x-kubernetes-validations'] = checkRuleShapes(options.validations, root, '');
  return root;
}

/**
 * The spec type of a declaration.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { customResource, type SpecOf } from 'capstan/crd';
 * const Widget = customResource({ group: 'example.com', version: 'v1', kind: 'Widget', spec: Type.Object({ size: Type.Integer() }) });
 * const spec: SpecOf<typeof Widget> = { size: 3 };
 * ```
 */
export type SpecOf<R> = R extends {
  /** The declaration's spec schema. */
  readonly spec: infer S extends TSchema;
}
  ? Static<S>
  : never;

/**
 * The status type of a declaration (`never` when it declares no status).
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { customResource, type StatusOf } from 'capstan/crd';
 * const Widget = customResource({
 *   group: 'example.com', version: 'v1', kind: 'Widget',
 *   spec: Type.Object({}), status: Type.Object({ ready: Type.Boolean() }),
 * });
 * const status: StatusOf<typeof Widget> = { ready: true };
 * ```
 */
export type StatusOf<R> = R extends {
  /** The declaration's status schema. */
  readonly status: infer S extends TSchema;
}
  ? Static<S>
  : never;
